package engine

import (
	"encoding/binary"
	"testing"
)

func encodeList(items ...string) []byte {
	var out []byte
	for _, s := range items {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out
}

func TestDecodeMsgHeaders(t *testing.T) {
	h, ok := decodeMsgHeaders(encodeList("Order-Id", "42", "Tag", "a", "Tag", "b"))
	if !ok || h["Order-Id"][0] != "42" || len(h["Tag"]) != 2 {
		t.Fatalf("decoded %v %v", h, ok)
	}
	if h, ok := decodeMsgHeaders(nil); !ok || h != nil {
		t.Fatalf("empty: %v %v", h, ok)
	}
	for name, b := range map[string][]byte{
		"odd count":   encodeList("A", "1", "B"),
		"bad name":    encodeList("A B", "1"),
		"CRLF value":  encodeList("A", "1\r\nB: 2"),
		"NUL value":   encodeList("A", "x\x00"),
		"short len":   {1, 0},
		"len overrun": binary.LittleEndian.AppendUint32(nil, 99),
	} {
		if _, ok := decodeMsgHeaders(b); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
