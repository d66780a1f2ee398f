# Run a command on a pseudo-terminal, typing the given lines when prompted
# ("...assphrase:"), its stdout going to OUTFILE. Used to make the eblob
# vectors with nncp-cfgenc, which reads passphrases only from a terminal:
#   python3 pty_run.py '["nncp-cfgenc","-s","4","-t","1","-p","1","plain.hjson"]' '["abc","abc"]' OUTFILE
import os, pty, sys, select, json
args = json.loads(sys.argv[1]); lines = json.loads(sys.argv[2]); outpath = sys.argv[3]
out = open(outpath, "wb")
r, w = os.pipe()
pid, fd = pty.fork()
if pid == 0:
    os.dup2(w, 1)
    os.execvp(args[0], args)
os.close(w)
buf = b""; i = 0
while True:
    rl, _, _ = select.select([fd, r], [], [], 120)
    if not rl: break
    if r in rl:
        d = os.read(r, 65536)
        if not d:
            break
        out.write(d)
    if fd in rl:
        try: d = os.read(fd, 1024)
        except OSError: d = b""
        if d:
            buf += d
            sys.stderr.buffer.write(d)
            while i < len(lines) and buf.count(b"assphrase:") > i:
                os.write(fd, lines[i].encode() + b"\r"); i += 1
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
