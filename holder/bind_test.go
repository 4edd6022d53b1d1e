package holder

import "github.com/hufu-project/hufu/issuer"

// Until passes carry a holder key (SPEC §14.1, branch present), the test
// backend cannot bind one, and the handler cannot check the binding.
const bindingChecked = false

func bindHolder(c *issuer.Claims, key []byte) {}
