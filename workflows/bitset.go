package workflows

// bitset marks applications by their sequence number. A call carries two
// of them (screened, eligible): 10,000 applications cost 2.5 KB of state,
// where a map of references would cost hundreds.
type bitset []byte

func (b bitset) has(i int) bool {
	return i >= 0 && i/8 < len(b) && b[i/8]&(1<<(i%8)) != 0
}

func (b *bitset) set(i int, on bool) {
	for len(*b) <= i/8 {
		*b = append(*b, 0)
	}
	if on {
		(*b)[i/8] |= 1 << (i % 8)
	} else {
		(*b)[i/8] &^= 1 << (i % 8)
	}
}
