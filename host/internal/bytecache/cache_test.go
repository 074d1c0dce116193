package bytecache

import (
	"strconv"
	"testing"
)

func TestOwnerEvictsItsOwnLeastRecentlyUsed(t *testing.T) {
	const size = 1000 - EntryOverhead - 2 // each entry costs 1000 with a 2-byte key
	c := New[int](3000, 10000)
	c.Put("b", []byte("b0"), 0, size)
	for i := range 10 {
		c.Put("a", []byte("a"+strconv.Itoa(i)), i, size)
		if i == 5 {
			c.Get("a", []byte("a4")) // recently used: survives a7..a9 longer
		}
	}
	if got := c.OwnerBytes("a"); got != 3000 {
		t.Fatalf("owner a holds %d bytes, want 3000", got)
	}
	for _, k := range []string{"a8", "a9"} {
		if _, ok := c.Get("a", []byte(k)); !ok {
			t.Fatalf("%s was evicted", k)
		}
	}
	if _, ok := c.Get("b", []byte("b0")); !ok {
		t.Fatal("another owner's entry was evicted")
	}
	if c.Bytes() != 4000 || c.Len() != 4 {
		t.Fatalf("bytes %d, len %d; want 4000, 4", c.Bytes(), c.Len())
	}
}

func TestTotalEvictsTheLeastRecentlyUsedOfAll(t *testing.T) {
	const size = 1000 - EntryOverhead - 2
	c := New[int](3000, 5000)
	for i := range 10 {
		c.Put(strconv.Itoa(i), []byte("k"+strconv.Itoa(i%10)), i, size)
	}
	if c.Bytes() != 5000 {
		t.Fatalf("bytes %d, want 5000", c.Bytes())
	}
	if _, ok := c.Get("9", []byte("k9")); !ok {
		t.Fatal("the newest entry was evicted")
	}
	if _, ok := c.Get("0", []byte("k0")); ok {
		t.Fatal("the oldest entry survived")
	}
}

func TestOversizedEntryIsNotStored(t *testing.T) {
	c := New[int](500, 1000)
	c.Put("a", []byte("k"), 1, 400)
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Fatalf("len %d, bytes %d", c.Len(), c.Bytes())
	}
	c.Put("a", []byte("k"), 1, 0)
	c.Put("a", []byte("k"), 2, 0) // replaces, charged once
	if v, ok := c.Get("a", []byte("k")); !ok || v != 2 || c.Bytes() != 1+EntryOverhead {
		t.Fatalf("get %d %v, bytes %d", v, ok, c.Bytes())
	}
}

func TestDeleteFunc(t *testing.T) {
	c := New[int](1000, 10000)
	for i := range 6 {
		c.Put(strconv.Itoa(i%2), []byte{byte('a' + i%3), byte(i)}, i, 0)
	}
	c.DeleteFunc(func(key string) bool { return key[0] == 'a' })
	if c.Len() != 4 || c.Bytes() != 4*(2+EntryOverhead) {
		t.Fatalf("len %d, bytes %d", c.Len(), c.Bytes())
	}
	for i := range 6 {
		_, ok := c.Get(strconv.Itoa(i%2), []byte{byte('a' + i%3), byte(i)})
		if ok == (i%3 == 0) {
			t.Fatalf("entry %d: present %v", i, ok)
		}
	}
	c.DeleteFunc(func(string) bool { return true })
	if c.Len() != 0 || c.Bytes() != 0 || c.OwnerBytes("0") != 0 {
		t.Fatalf("after deleting all: len %d, bytes %d", c.Len(), c.Bytes())
	}
	c.Put("0", []byte("k"), 1, 0) // still usable: owners were dropped cleanly
	if v, ok := c.Get("0", []byte("k")); !ok || v != 1 {
		t.Fatal("put after DeleteFunc failed")
	}
}
