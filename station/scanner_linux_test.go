package station

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOpenScannerRaw: a terminal device (here a pseudo-terminal standing
// in for /dev/ttyACM0) is put in raw mode: no echo back to the scanner,
// no line editing, CR not turned into LF.
func TestOpenScannerRaw(t *testing.T) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer ptm.Close()
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts := fmt.Sprintf("/dev/pts/%d", n)
	before, err := unix.IoctlGetTermios(int(ptm.Fd()), unix.TCGETS)
	if err != nil || before.Lflag&unix.ICANON == 0 {
		t.Fatalf("a new terminal is not in line mode: %v", err)
	}
	sc, err := OpenScanner(pts)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	tio, err := unix.IoctlGetTermios(int(ptm.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || tio.Iflag&(unix.ICRNL|unix.IXON) != 0 || tio.Oflag&unix.OPOST != 0 || tio.Cflag&unix.CSIZE != unix.CS8 {
		t.Errorf("not raw: lflag %#x iflag %#x oflag %#x cflag %#x", tio.Lflag, tio.Iflag, tio.Oflag, tio.Cflag)
	}
	if _, err := ptm.WriteString("HF1:A\r=张三\r"); err != nil {
		t.Fatal(err)
	}
	lr := NewLineReader(sc)
	for _, want := range []string{"HF1:A", "=张三"} {
		if got, err := lr.Next(); got != want || err != nil {
			t.Errorf("read %q %v, want %q", got, err, want)
		}
	}
}
