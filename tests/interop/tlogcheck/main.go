// Command tlogcheck verifies libvault's checkpoints and proofs with Go's
// reference implementation of transparency logs, unmodified:
// golang.org/x/mod/sumdb/note (signed notes, verifier keys) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 proofs).
//
//	tlogcheck INCLUSION.json CONSISTENCY.json VKEY...
//
// INCLUSION.json and CONSISTENCY.json are what `vault audit prove --entry`
// and `vault audit prove --from` print; each VKEY is a verifier key as
// `vault audit vkey` prints it.  Every checkpoint must open with note.Open
// (signatures by other keys are ignored there, as they are in libvault);
// the inclusion proof must pass tlog.CheckRecord and the consistency proof
// tlog.CheckTree.  Then each proof bent by one bit must fail, so that a
// checker that accepts everything cannot pass.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Format string `json:"format"`
	Entry  struct {
		Seq  int64  `json:"seq"`
		Hash string `json:"hash"`
	} `json:"entry"`
	Index      int64    `json:"index"`
	Size       int64    `json:"size"`
	Proof      []string `json:"proof"`
	Checkpoint string   `json:"checkpoint"`
}

type consistency struct {
	Format        string   `json:"format"`
	OldSize       int64    `json:"old_size"`
	Size          int64    `json:"size"`
	Proof         []string `json:"proof"`
	OldCheckpoint string   `json:"old_checkpoint"`
	Checkpoint    string   `json:"checkpoint"`
}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// openCheckpoint opens a signed note and reads its C2SP tlog-checkpoint
// body: origin, tree size, base64 root.
func openCheckpoint(text string, verifiers note.Verifiers) (string, int64, tlog.Hash, int) {
	n, err := note.Open([]byte(text), verifiers)
	if err != nil {
		die("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		die("checkpoint body is not origin, size, root: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		die("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		die("checkpoint root: %v", err)
	}
	return lines[0], size, root, len(n.Sigs)
}

func hashes(b64 []string) []tlog.Hash {
	out := make([]tlog.Hash, len(b64))
	for i, s := range b64 {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != tlog.HashSize {
			die("proof hash %d is not base64 of 32 bytes", i)
		}
		copy(out[i][:], raw)
	}
	return out
}

func readJSON(path string, v interface{}) {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		die("%s: %v", path, err)
	}
}

func main() {
	if len(os.Args) < 4 {
		die("usage: tlogcheck INCLUSION.json CONSISTENCY.json VKEY...")
	}
	var vs []note.Verifier
	for _, k := range os.Args[3:] {
		v, err := note.NewVerifier(k)
		if err != nil {
			die("note.NewVerifier(%q): %v", k, err)
		}
		vs = append(vs, v)
	}
	verifiers := note.VerifierList(vs...)

	var in inclusion
	readJSON(os.Args[1], &in)
	origin, size, root, nsigs := openCheckpoint(in.Checkpoint, verifiers)
	if !strings.HasPrefix(origin, "libvault/") || !strings.HasSuffix(origin, "/tlog") {
		die("origin %q is not a libvault tree checkpoint's", origin)
	}
	if size != in.Size {
		die("proof is for size %d, checkpoint says %d", in.Size, size)
	}
	entryHash, err := hex.DecodeString(in.Entry.Hash)
	if err != nil || len(entryHash) != 32 || in.Entry.Seq != in.Index+1 {
		die("entry hash or index malformed")
	}
	// The leaf is the entry's 32-byte hash: leaf hash = SHA-256(0x00 || hash).
	leaf := tlog.RecordHash(entryHash)
	rp := tlog.RecordProof(hashes(in.Proof))
	if err := tlog.CheckRecord(rp, size, root, in.Index, leaf); err != nil {
		die("tlog.CheckRecord of entry %d in a tree of %d: %v", in.Entry.Seq, size, err)
	}
	if len(rp) > 0 {
		rp[0][0] ^= 1
		if tlog.CheckRecord(rp, size, root, in.Index, leaf) == nil {
			die("tlog.CheckRecord accepted a bent proof")
		}
	}
	if tlog.CheckRecord(tlog.RecordProof(hashes(in.Proof)), size, root, in.Index,
		tlog.RecordHash(append(entryHash[:31:31], entryHash[31]^1))) == nil {
		die("tlog.CheckRecord accepted another entry")
	}

	var cons consistency
	readJSON(os.Args[2], &cons)
	oldOrigin, oldSize, oldRoot, oldSigs := openCheckpoint(cons.OldCheckpoint, verifiers)
	newOrigin, newSize, newRoot, _ := openCheckpoint(cons.Checkpoint, verifiers)
	if oldOrigin != newOrigin || oldSize != cons.OldSize || newSize != cons.Size {
		die("consistency proof does not match its checkpoints")
	}
	tp := tlog.TreeProof(hashes(cons.Proof))
	if err := tlog.CheckTree(tp, newSize, newRoot, oldSize, oldRoot); err != nil {
		die("tlog.CheckTree %d -> %d: %v", oldSize, newSize, err)
	}
	if len(tp) > 0 {
		tp[len(tp)-1][5] ^= 0x40
		if tlog.CheckTree(tp, newSize, newRoot, oldSize, oldRoot) == nil {
			die("tlog.CheckTree accepted a bent proof")
		}
	}
	fmt.Printf("ok: note.Open (%d and %d signatures verified), tlog.CheckRecord of entry %d in %d, tlog.CheckTree %d -> %d\n",
		nsigs, oldSigs, in.Entry.Seq, size, oldSize, newSize)
}
