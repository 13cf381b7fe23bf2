// Command tlogclient reads a Civitas transparency log as C2SP tlog-tiles with Go's own
// golang.org/x/mod/sumdb/tlog and sumdb/note, an implementation independent of Civitas.
//
// Usage: tlogclient <prefix URL> <verifier key> <old size>...
//
// It checks the checkpoint's Ed25519 signature, reads tiles through tlog's
// TileHashReader (which authenticates every tile against the signed root), recomputes
// the root, proves every entry of every entry bundle, and proves the tree of each old
// size consistent with the checkpoint. It prints the proofs as JSON, so the tests can
// compare them with the log's own JSON proof endpoints.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileReader maps tlog's tiles onto the C2SP paths: tlog's own Tile.Path is the Go
// checksum database's layout (tile/8/0/x001/234.p/5), which names the tile height.
type tileReader struct {
	prefix string
	reads  int
	seen   map[tlog.Tile][]byte
}

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if data, ok := r.seen[t]; ok {
			out[i] = data
			continue
		}
		data, err := get(r.prefix + "/" + c2spPath(t))
		if err != nil {
			return nil, err
		}
		r.reads++
		out[i] = data
	}
	return out, nil
}

// SaveTiles is called with tiles tlog has authenticated: only those are reused.
func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for i, t := range tiles {
		r.seen[t] = data[i]
	}
}

func c2spPath(t tlog.Tile) string {
	level := strconv.Itoa(t.L)
	if t.L == -1 {
		level = "entries"
	}
	n := t.N
	groups := []string{fmt.Sprintf("%03d", n%1000)}
	for n /= 1000; n > 0; n /= 1000 {
		groups = append([]string{fmt.Sprintf("x%03d", n%1000)}, groups...)
	}
	path := "tile/" + level + "/" + strings.Join(groups, "/")
	if t.W < 1<<t.H {
		path += fmt.Sprintf(".p/%d", t.W)
	}
	return path
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

func hexes(hashes []tlog.Hash) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = fmt.Sprintf("%x", h[:])
	}
	return out
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogclient: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: tlogclient <prefix URL> <verifier key> <old size>...")
	}
	prefix, key := strings.TrimRight(os.Args[1], "/"), os.Args[2]

	verifier, err := note.NewVerifier(key)
	if err != nil {
		fail("verifier key: %v", err)
	}
	signed, err := get(prefix + "/checkpoint")
	if err != nil {
		fail("%v", err)
	}
	opened, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint has too few lines: %q", opened.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	reader := &tileReader{prefix: prefix, seen: map[tlog.Tile][]byte{}}
	hashes := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, reader)
	computed, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("tree hash: %v", err)
	}
	if computed != root {
		fail("the tiles hash to %x, not the signed root %x", computed[:], root[:])
	}

	inclusion := map[string][]string{}
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		bundle, err := get(prefix + "/" + c2spPath(tlog.Tile{H: 8, L: -1, N: start / 256, W: int(width)}))
		if err != nil {
			fail("%v", err)
		}
		entries := bytes.NewReader(bundle)
		for index := start; index < start+width; index++ {
			var length uint16
			if err := binary.Read(entries, binary.BigEndian, &length); err != nil {
				fail("entry bundle at %d: %v", start, err)
			}
			entry := make([]byte, length)
			if _, err := io.ReadFull(entries, entry); err != nil {
				fail("entry bundle at %d: %v", start, err)
			}
			proof, err := tlog.ProveRecord(size, index, hashes)
			if err != nil {
				fail("prove entry %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
				fail("entry %d: %v", index, err)
			}
			inclusion[strconv.FormatInt(index, 10)] = hexes(proof)
		}
		if entries.Len() != 0 {
			fail("entry bundle at %d has %d bytes too many", start, entries.Len())
		}
	}

	consistency := map[string][]string{}
	for _, arg := range os.Args[3:] {
		old, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			fail("old size %q", arg)
		}
		oldHash, err := tlog.TreeHash(old, hashes)
		if err != nil {
			fail("tree hash at %d: %v", old, err)
		}
		proof, err := tlog.ProveTree(size, old, hashes)
		if err != nil {
			fail("prove tree %d: %v", old, err)
		}
		if err := tlog.CheckTree(proof, size, root, old, oldHash); err != nil {
			fail("tree %d: %v", old, err)
		}
		consistency[arg] = hexes(proof)
	}

	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"size":        size,
		"root":        fmt.Sprintf("%x", root[:]),
		"tile_reads":  reader.reads,
		"inclusion":   inclusion,
		"consistency": consistency,
	})
}
