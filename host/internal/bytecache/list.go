package bytecache

// list is an intrusive doubly linked list of nodes through either their
// owner links (all false) or their cache-wide links (all true).
type list[V any] struct{ head, tail *node[V] }

func links[V any](n *node[V], all bool) (prev, next **node[V]) {
	if all {
		return &n.prevAll, &n.nextA
	}
	return &n.prevO, &n.nextO
}

func (l *list[V]) pushFront(n *node[V], all bool) {
	prev, next := links(n, all)
	*prev, *next = nil, l.head
	if l.head != nil {
		hp, _ := links(l.head, all)
		*hp = n
	}
	l.head = n
	if l.tail == nil {
		l.tail = n
	}
}

func (l *list[V]) unlink(n *node[V], all bool) {
	prev, next := links(n, all)
	if *prev != nil {
		_, pn := links(*prev, all)
		*pn = *next
	} else {
		l.head = *next
	}
	if *next != nil {
		np, _ := links(*next, all)
		*np = *prev
	} else {
		l.tail = *prev
	}
	*prev, *next = nil, nil
}

func (l *list[V]) toFront(n *node[V], all bool) {
	if l.head == n {
		return
	}
	l.unlink(n, all)
	l.pushFront(n, all)
}
