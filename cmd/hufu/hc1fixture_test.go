package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"time"

	"github.com/hufu-project/hufu/internal/base45"
	"github.com/hufu-project/hufu/internal/hc1test"
	"github.com/hufu-project/hufu/qr"
)

// hc1Fixture writes EU DCC test files into dir, for the scripts: DSCs
// valid through 2026 and 2027, and codes issued on 1 June 2026 that expire
// on 1 December 2026.
//
//	dsc.pem    an ES256 DSC that may sign vaccinations and tests
//	rsa.pem    a PS256 DSC (RSA 2048, hc1test's fixed key) without usage
//	           restrictions
//	both.pem   both certificates in one file
//	vacc.txt   a vaccination signed by dsc.pem; vacc.png its QR code
//	rec.txt    a recovery signed by dsc.pem, which may not sign one
//	test.txt   a test signed by rsa.pem (untagged, kid unprotected)
//	bomb.txt   an HC1 text that inflates to 1 MiB
func hc1Fixture(dir string) error {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	rk := hc1test.RSAKey()
	from, until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	dEC, err := hc1test.NewDSC(ec, from, until, hc1test.OIDVaccination, hc1test.OIDTestAlt)
	if err != nil {
		return err
	}
	dRSA, err := hc1test.NewDSC(rk, from, until)
	if err != nil {
		return err
	}
	cert := func(typ string) hc1test.Cert {
		return hc1test.Cert{Country: "AT", IssuedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Expires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Type: typ}
	}
	pemOf := func(d *hc1test.DSC) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d.Cert}) }
	vacc := hc1test.Code(dEC, cert("v"), hc1test.Options{})
	png, err := qr.PNG(vacc, qr.Options{})
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"dsc.pem":  pemOf(dEC),
		"rsa.pem":  pemOf(dRSA),
		"both.pem": append(pemOf(dEC), pemOf(dRSA)...),
		"vacc.txt": []byte(vacc + "\n"),
		"vacc.png": png,
		"rec.txt":  []byte(hc1test.Code(dEC, cert("r"), hc1test.Options{})),
		"test.txt": []byte(hc1test.Code(dRSA, cert("t"), hc1test.Options{Tags: []uint64{}, KIDIn: hc1test.KIDUnprotected})),
		"bomb.txt": []byte("HC1:" + base45.EncodeToString(hc1test.Compress(make([]byte, 1<<20)))),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
