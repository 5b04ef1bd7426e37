package ec2api

import (
	"encoding/json"
	"fmt"
)

// convert copies src into a new T through JSON. The wire shapes of this
// package and ruleset's model types share the AWS CLI's JSON field names
// (both print what the AWS CLI prints), so JSON is their common form;
// the SDK tests check that every field makes the trip.
func convert[T any](src any) (T, error) {
	var dst T
	b, err := json.Marshal(src)
	if err != nil {
		return dst, fmt.Errorf("converting %T: %w", src, err)
	}
	if err := json.Unmarshal(b, &dst); err != nil {
		return dst, fmt.Errorf("converting %T to %T: %w", src, dst, err)
	}
	return dst, nil
}

// convertList is convert into List[T].
func convertList[T any](src any) (List[T], error) {
	items, err := convert[[]T](src)
	return List[T]{Items: items}, err
}
