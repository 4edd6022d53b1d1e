package hc1test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
)

// RSAKey returns a fixed 2048-bit RSA key for PS256 document signers in
// tests. Generating one takes seconds under the race detector, and a
// fixed key makes the certificates the same in every run. It is public in
// this file: never use it for anything but tests.
var RSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	b, _ := pem.Decode([]byte(rsaKeyPEM))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		panic("hc1test: bad fixed RSA key: " + err.Error())
	}
	return k.(*rsa.PrivateKey)
})

const rsaKeyPEM = `
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDmMEBbMjw5/fbk
7QALhdgEKVK+VJSTMQ1GcPh5e0MmoAc94YsqjXyFKNyxGpG0Rn/ybh2PD0V6SEgz
zn5PE3dC3btxhBP9fvxLvMWClKeTqPlyt3dHl+ni1K5j9TLa3WnT7TLAuNIb2EtM
cQ+UcK8uaRNtDBcQ256HDZh2dlf3q6q0MNMg5VT0gcQMVhvtuMU62yUlxT/A2HwD
HAyJ9We+E77QDQw4nJ9ooIGw6puw6hb2+YGn+JQVd7+y2F+Y2j8ct4HoRBvn8g+k
Ywt5UHvxrSgpbNqZX/3qUFfoNL1SXODsfZeGItjaMkfqwtPwlQUtgRr9uqRan9QO
GsLKgP6hAgMBAAECggEAAoFgN7iNuWzcoAtMNczJDWrD1cJvvoua75QWlgbK9AHr
f5dlYTsaf+/AcoGU1JFzwf9SGcNDe6/EGvh33U5NZ7IL2adAHMha55Lnb/vSm+H2
aU8znPV0Wnve9CcswCnqt0MXWYSyWISEg7wsSsQCNlR28r8IzVikXhlTlq62Ajr7
8qCD9ep8kEM/sHiihS6FVKfWl2XoHjWNH3UbLZE/ImFi4V3vWV8avg1MzwWKOFl3
wo+QTR/RcjyUmZdgLSiwzpqPKyTcMkog46uIuLvhkyMIVVq4fzcWI4eurtoevkSM
WO7JE27FmQ0Wef2tCH6s+zXGtlnlkUSnt4idIodCVQKBgQD078esAUj8nS0oK/03
Th7tVSEYASI3S68u/jjJJy0FQxN3J9kLauumqaFD/k58fy+5X0tOfziibtDaDQdi
7w/6JsyF0dHpcaSvpAHoKJoqnMmQAaZRVkO0lRC461JbvKh2IdbGRvgyVn89cUnS
cuhktNVItDQPgITp+PROagxOXQKBgQDwle/5qJEtS1M6/HQsBOdPULnLD9yUZOP+
xHbPJGHoh/QnSSm1BulTpjVQdsdr09wpcXEjT3eht8oY5dFPQYKAyj2mzsRXUIML
g8WEZjLpftxjJk+BzFtf1OYj9xAqZT1IiL9HXRvnqsgs/VnQO0EMI+ZrJk4dcOtq
k//sPuXFFQKBgQC5n9p/1X19zJRDZIsDVdYEYUayTXGj3FzITWu1rlXlLf9bhzxq
9b3fUaDgyaKroSwG3VxSAgJmv3rSNZuKc8h0+OB47hmaREDdx3qWeebUMnxjAY0N
CUZIXcwNiHGjCmfVFzIQlApXA8xsQSYEModCgvU8oyztLqYMN1rW7nGjFQKBgBVf
XIgzP2JktKoizzcx4FKde0Pczt2n8NErJtrUApajrT7oMvpP+N5jf4z8YE7l7UMJ
PuHCJ4CIUT3Q/L0rtqo2TS/KYorXLi0RsbRHV/KCQJXWS23ed6eVxDQhuJ/rinwt
GcD/NoFoHIxSnW3wNaEcd1XBe2MGKwO2zh9wnvzZAoGBALEZ1s18mGDHU+ffWEMM
kiHhW2seQtxXK7ZUDx9iZyAhzU4viMrB+ZXAKN2SxbhPJFLxUpbHY3BfHfAlH6OZ
btwB2bAbOB719sVze1Vk+LbpGg3xd7/9ZFiG/Ab1lMTgZROJR5hvDenuImCDQNWM
cquWlYbM0P+s/Pf0iZqQuXbH
-----END PRIVATE KEY-----
`
