// Prints the known vectors of tests/unit/test_tlog.c with Go's reference
// golang.org/x/mod/sumdb/tlog: leaf i is the 32 bytes i*7+j (j = 0..31).
// GO111MODULE=off GOPATH=<dir with src/vectors>:/usr/share/gocode go run vectors
package main

import (
	"encoding/hex"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

type hashes []tlog.Hash

func (h hashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = h[x]
	}
	return out, nil
}

func main() {
	// leaf i = RecordHash of 32 bytes: byte j = i*7+j (mod 256)
	var st hashes
	for i := int64(0); i < 21; i++ {
		data := make([]byte, 32)
		for j := range data {
			data[j] = byte(int(i)*7 + j)
		}
		add, err := tlog.StoredHashes(i, data, st)
		if err != nil { panic(err) }
		st = append(st, add...)
	}
	for n := int64(1); n <= 21; n++ {
		th, _ := tlog.TreeHash(n, st)
		fmt.Printf("ROOT %d %s\n", n, hex.EncodeToString(th[:]))
	}
	for _, c := range [][2]int64{{0, 1}, {3, 8}, {5, 13}, {12, 13}, {20, 21}, {0, 21}, {6, 7}} {
		p, err := tlog.ProveRecord(c[1], c[0], st)
		if err != nil { panic(err) }
		fmt.Printf("INCL %d %d", c[0], c[1])
		for _, h := range p { fmt.Printf(" %s", hex.EncodeToString(h[:])) }
		fmt.Println()
	}
	for _, c := range [][2]int64{{1, 21}, {4, 8}, {3, 7}, {5, 13}, {8, 21}, {13, 13}, {20, 21}, {7, 16}} {
		p, err := tlog.ProveTree(c[1], c[0], st)
		if err != nil { panic(err) }
		fmt.Printf("CONS %d %d", c[0], c[1])
		for _, h := range p { fmt.Printf(" %s", hex.EncodeToString(h[:])) }
		fmt.Println()
	}
}
