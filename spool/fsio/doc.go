// Package fsio is the spool's filesystem toolkit: the few ways ferry
// reads and writes files that the standard library does not offer, kept
// apart from the spool's layout so they can be tested and reused alone.
//
//   - Bulk I/O around the page cache: BulkWriter switches a long
//     sequential write to aligned O_DIRECT chunks written and hashed on
//     their own goroutines, and StreamReader reads a large uncached file
//     ahead of its consumer with O_DIRECT (direct_write.go,
//     direct_read.go); writeback keeps the final fsync of a long write
//     short. VerifiedWriter writes a copy onto a medium and reads each
//     chunk back from the device while the next ones are written
//     (verified_write.go). Their chunks are 4 MiB in huge pages, so that
//     each is one request to the disk (chunks.go).
//   - Cheap system calls: OpenFile opens a regular file without
//     registering it with the network poller, Rename and Unlink make one
//     system call where os.Rename and os.Remove make two, ReadAt reads a
//     small file in one open and pread (fileops.go). All of them retry
//     when a signal interrupts them (EINTR).
//   - Unique names: FileWriter writes a file under a temporary name and
//     links it in under the first free name among name, name.0, name.1,
//     ... without replacing anything; Delivered tells a rerun that an
//     interrupted one already did (unique.go).
//
// It knows nothing of packets or of the spool's directories: callers
// name the files.
package fsio
