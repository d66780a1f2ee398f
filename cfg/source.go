package cfg

import (
	"fmt"
	"os"
	"time"
)

// LoadOptions supplies what a config file cannot carry itself.
type LoadOptions struct {
	// Passphrase is called once for a config encrypted with nncp-cfgenc,
	// after its header was read. Nil refuses such configs (ErrEncrypted).
	// The caller decides where a passphrase comes from: this package
	// reads no terminal and no environment.
	Passphrase func() ([]byte, error)
	// OnlineDeadline is a neighbour's onlinedeadline when its entry sets
	// none (0: DefaultOnlineDeadline). The command line gives NNCPDEADLINE
	// here, as NNCP does; this package reads no environment.
	OnlineDeadline time.Duration
}

func (o LoadOptions) onlineDeadline() time.Duration {
	if o.OnlineDeadline <= 0 {
		return DefaultOnlineDeadline
	}
	return o.OnlineDeadline
}

// ReadSource returns the Hjson (or JSON) text of the config at path, as
// NNCP finds it: a directory is read in nncp-cfgdir's layout, a file
// starting with the eblob magic is decrypted, any other file is returned
// as it is. Errors from opening path are returned unwrapped, so callers
// can test them with os.IsNotExist; the rest name path.
func ReadSource(path string, o ...LoadOptions) ([]byte, error) {
	var opt LoadOptions
	if len(o) > 0 {
		opt = o[0]
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		data, err := ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("config directory %s: %w", path, err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !IsEBlob(data) {
		return data, nil
	}
	e, err := ParseEBlob(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if opt.Passphrase == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrEncrypted)
	}
	pass, err := opt.Passphrase()
	if err != nil {
		return nil, fmt.Errorf("%s: read passphrase: %w", path, err)
	}
	plain, err := e.Open(pass)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return plain, nil
}
