package scanlog

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
)

// The head file holds the sequence number and hash of the last record
// written, so that records deleted from the end of the log are noticed. It
// has two slots of headSlot bytes; record N's head goes to slot N mod 2, so
// a write torn by a crash leaves the other slot, one record behind, intact.
// A slot is one line of text padded with spaces:
//
//	hufu-scan-head 1 SEQ HASH CRC
//
// where CRC is the CRC-32 (IEEE) in 8 hex digits of the text before it,
// including the space that ends HASH.
const headSlot = 128

// head is a head file's content: the last record written.
type head struct {
	seq  uint64
	hash string
}

func (h head) slot() []byte {
	text := fmt.Sprintf("hufu-scan-head 1 %d %s ", h.seq, h.hash)
	text += fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(text)))
	b := []byte(text + strings.Repeat(" ", headSlot-1-len(text)) + "\n")
	if len(b) != headSlot {
		panic("scanlog: head slot overflow")
	}
	return b
}

func parseSlot(b []byte) (head, bool) {
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "hufu-scan-head" || f[1] != "1" || !isHex(f[3], 64) {
		return head{}, false
	}
	prefix := strings.Join(f[:4], " ") + " "
	if fmt.Sprintf("%08x", crc32.ChecksumIEEE([]byte(prefix))) != f[4] {
		return head{}, false
	}
	seq, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil || strconv.FormatUint(seq, 10) != f[2] {
		return head{}, false
	}
	return head{seq: seq, hash: f[3]}, true
}

// errNoHead reports a head file that does not exist.
var errNoHead = errors.New("scanlog: no head file")

// readHead returns the newer valid slot of the head file at path.
func readHead(path string) (head, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return head{}, errNoHead
	}
	if err != nil {
		return head{}, err
	}
	var best head
	found := false
	for off := 0; off+headSlot <= len(b) && off < 2*headSlot; off += headSlot {
		if h, ok := parseSlot(b[off : off+headSlot]); ok && (!found || h.seq > best.seq) {
			best, found = h, true
		}
	}
	if !found {
		return head{}, fmt.Errorf("scanlog: %s: no valid head record", path)
	}
	return best, nil
}

// newHeadFile is the content of the head file of an empty log.
func newHeadFile() []byte {
	b := head{seq: 0, hash: ZeroHash}.slot()
	return append(b, []byte(strings.Repeat(" ", headSlot-1)+"\n")...)
}

// writeHead writes h into its slot of the open head file f.
func writeHead(f *os.File, h head, sync bool) error {
	if _, err := f.WriteAt(h.slot(), int64(h.seq%2)*headSlot); err != nil {
		return err
	}
	if sync {
		return f.Sync()
	}
	return nil
}
