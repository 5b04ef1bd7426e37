package ec2api

import (
	"encoding/json"
	"reflect"
)

// List is an EC2 list: on the wire of a response it is
// <name><item>…</item>…</name>, in a request Name.1, Name.2, …, and in JSON
// an array, [] when empty, as the AWS CLI prints it. A List field is
// always written to XML (an empty list as <name></name>, as EC2 does),
// so the AWS CLI shows [] rather than leaving the key out.
type List[T any] struct {
	Items []T `xml:"item"`
}

// ListOf returns a List holding items.
func ListOf[T any](items ...T) List[T] { return List[T]{Items: items} }

// Len returns the number of items.
func (l List[T]) Len() int { return len(l.Items) }

// MarshalJSON writes the items as a JSON array ([] when empty).
func (l List[T]) MarshalJSON() ([]byte, error) {
	if l.Items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(l.Items)
}

// UnmarshalJSON reads a JSON array (or null) into the items.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	l.Items = nil
	return json.Unmarshal(b, &l.Items)
}

// queryList lets the query codec treat a List as the slice it holds.
type queryList interface{ elems() reflect.Value }

func (l *List[T]) elems() reflect.Value { return reflect.ValueOf(&l.Items).Elem() }
