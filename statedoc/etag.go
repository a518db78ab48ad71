package statedoc

import (
	"crypto/sha1"
	"encoding/hex"
)

// SHA1ETag returns the entity tag an xAPI 1.0.3 LRS gives content: the
// lowercase hex SHA-1 of the bytes, in double quotes. xAPI 2.0 drops this
// rule, so a client may use it only as a prediction that the server's own
// ETag confirms or corrects.
func SHA1ETag(content []byte) string {
	sum := sha1.Sum(content)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}
