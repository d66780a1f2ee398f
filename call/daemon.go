package call

import (
	"context"
	"log/slog"
	"net"
	"sync"
)

// Daemon accepts calls on a listener, at most MaxConn at once, until its
// context ends; then it stops accepting and waits for sessions to end.
type Daemon struct {
	Serve   func(ctx context.Context, conn net.Conn) // runs one session
	MaxConn int
	Log     *slog.Logger
}

// Run serves l until ctx is done.
func (d *Daemon) Run(ctx context.Context, l net.Listener) error {
	if d.MaxConn <= 0 {
		d.MaxConn = 128
	}
	slots := make(chan struct{}, d.MaxConn)
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				wg.Wait()
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			wg.Wait()
			return err
		}
		select {
		case slots <- struct{}{}:
		default:
			conn.Close() // over maxconn
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			defer conn.Close()
			d.Serve(ctx, conn)
		}()
	}
}
