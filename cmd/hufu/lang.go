package main

import (
	"strings"

	"github.com/hufu-project/hufu/station"
)

// The guard station speaks Chinese or English (-lang zh|en); its words
// are in package station. verify keeps its English output.

// detectLang returns "zh" if the locale (LC_ALL, else LC_MESSAGES, else
// LANG) is Chinese, and "en" otherwise.
func detectLang(e *env) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := e.getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

func say(lang, key string, args ...any) string { return station.Say(lang, key, args...) }
