package iothreads

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"hash"
)

// Encrypted private keys (tls-key-file-pass). OpenSSL reads two kinds:
// the legacy PEM encryption ("Proc-Type: 4,ENCRYPTED" headers), which
// x509.DecryptPEMBlock still reads, and PKCS#8's EncryptedPrivateKeyInfo
// ("ENCRYPTED PRIVATE KEY"), what `openssl rsa -aes256` and `openssl
// genpkey -aes256` write by default, which the standard library does not
// read: PBES2 with PBKDF2 and AES-CBC is decrypted here (the schemes
// OpenSSL 1.1 and 3 use; the older PBES1 and 3DES ones are refused).

var (
	errBadPassphrase = errors.New("bad decrypt")
	errNoPassphrase  = errors.New("the key is encrypted and no tls-key-file-pass is set")
	errKeyScheme     = errors.New("unsupported private key encryption")
)

// decryptKeyPEM returns keyPEM with its private key decrypted with pass,
// or unchanged if it is not encrypted.
func decryptKeyPEM(keyPEM []byte, pass string) ([]byte, error) {
	rest := keyPEM
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return keyPEM, nil
		}
		//lint:ignore SA1019 the legacy format is what OpenSSL still reads, insecure or not
		legacy := x509.IsEncryptedPEMBlock(blk)
		if blk.Type != "ENCRYPTED PRIVATE KEY" && !legacy {
			continue
		}
		if pass == "" {
			return nil, errNoPassphrase
		}
		var der []byte
		var err error
		typ := "PRIVATE KEY"
		if legacy {
			//lint:ignore SA1019 see above
			der, err = x509.DecryptPEMBlock(blk, []byte(pass))
			typ = blk.Type
		} else {
			der, err = decryptPKCS8(blk.Bytes, pass)
		}
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), nil
	}
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type algorithmID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type encryptedPrivateKeyInfo struct {
	Algorithm algorithmID
	Data      []byte
}

type pbes2Params struct {
	KDF    algorithmID
	Scheme algorithmID
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int         `asn1:"optional"`
	PRF        algorithmID `asn1:"optional"`
}

// maxPBKDF2Iterations bounds the work a key file can ask for.
const maxPBKDF2Iterations = 10_000_000

// decryptPKCS8 decrypts a DER EncryptedPrivateKeyInfo and returns the
// DER PKCS#8 PrivateKeyInfo, checked to parse.
func decryptPKCS8(der []byte, pass string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return nil, errKeyScheme
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, errKeyScheme
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &p); err != nil || !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errKeyScheme
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, errKeyScheme
	}
	if kdf.Iterations < 1 || kdf.Iterations > maxPBKDF2Iterations {
		return nil, errKeyScheme
	}
	var prf func() hash.Hash
	switch alg := kdf.PRF.Algorithm; {
	case len(alg) == 0 || alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, errKeyScheme
	}
	var keyLen int
	switch alg := p.Scheme.Algorithm; {
	case alg.Equal(oidAES128CBC):
		keyLen = 16
	case alg.Equal(oidAES192CBC):
		keyLen = 24
	case alg.Equal(oidAES256CBC):
		keyLen = 32
	default:
		return nil, errKeyScheme
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != keyLen {
		return nil, errKeyScheme
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errKeyScheme
	}
	if len(info.Data) == 0 || len(info.Data)%aes.BlockSize != 0 {
		return nil, errBadPassphrase
	}
	key, err := pbkdf2.Key(prf, pass, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, errKeyScheme
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errKeyScheme
	}
	plain := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, info.Data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, errBadPassphrase
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errBadPassphrase
		}
	}
	plain = plain[:len(plain)-pad]
	if _, err := x509.ParsePKCS8PrivateKey(plain); err != nil {
		return nil, errBadPassphrase
	}
	return plain, nil
}
