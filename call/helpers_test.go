package call_test

import "crypto/ecdh"

func noisePub(prv [32]byte) ([32]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(prv[:])
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(k.PublicKey().Bytes()), nil
}
