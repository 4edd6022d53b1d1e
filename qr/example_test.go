package qr_test

import (
	"errors"
	"fmt"
	"image"

	"github.com/hufu-project/hufu/qr"
)

func Example() {
	data, err := qr.PNG("HF1:6BFOXN*TS0BI$ZD4N9", qr.Options{ModulePixels: 3})
	if err != nil {
		panic(err)
	}
	texts, err := qr.DecodeBytes(data)
	fmt.Println(texts, err)

	_, err = qr.Decode(image.NewGray(image.Rect(0, 0, 64, 64)))
	fmt.Println(errors.Is(err, qr.ErrNotFound))
	// Output:
	// [HF1:6BFOXN*TS0BI$ZD4N9] <nil>
	// true
}

func ExampleMatrix() {
	m, err := qr.Matrix("HF1:6BFOXN*TS0BI$ZD4N9", qr.M)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(m), "modules a side")
	// Output: 25 modules a side
}
