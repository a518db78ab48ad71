package main

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ifmatch/ifmatch/statedoc/statedoctest"
)

// writeMethods are the methods a fault of the -faults mix applies to,
// except weak-etag and no-etag, which apply to every method.
var writeMethods = []string{http.MethodPut, http.MethodPost, http.MethodDelete}

// faultNames are the kinds -faults accepts, in the order the usage lists
// them.
var faultNames = []string{
	"commit-then-drop", "drop-before", "500", "500-applied", "502", "503", "503-retry",
	"429", "latency", "conflict", "weak-etag", "no-etag", "no-write-etag",
}

// parseFaults reads a -faults value: comma-separated kind=probability
// items, each with an optional :param, into fault rules in the order
// given. An item with probability 0 never fires and gives no rule. An
// empty value gives none.
func parseFaults(s string) ([]statedoctest.Fault, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var rules []statedoctest.Fault
	for _, item := range strings.Split(s, ",") {
		r, fires, err := parseFault(strings.TrimSpace(item))
		if err != nil {
			return nil, err
		}
		if fires {
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// parseFault reads one kind=probability[:param] item. fires is false for
// a probability of 0.
func parseFault(item string) (r statedoctest.Fault, fires bool, err error) {
	if item == "" {
		return r, false, fmt.Errorf("empty item (want kind=probability, as in commit-then-drop=0.05)")
	}
	name, rest, ok := strings.Cut(item, "=")
	if !ok {
		return r, false, fmt.Errorf("%q: want kind=probability, as in commit-then-drop=0.05", item)
	}
	prob, param, hasParam := strings.Cut(rest, ":")
	p, err := strconv.ParseFloat(prob, 64)
	if err != nil || !(p >= 0 && p <= 1) { // NaN fails too
		return r, false, fmt.Errorf("%q: probability %q is not a number from 0 to 1", item, prob)
	}
	noParam := func() error {
		if hasParam {
			return fmt.Errorf("%q: %s takes no :parameter", item, name)
		}
		return nil
	}
	r.Methods = slices.Clone(writeMethods)
	switch name {
	case "commit-then-drop":
		r.Kind, err = statedoctest.CommitThenDrop, noParam()
	case "drop-before":
		r.Kind, err = statedoctest.DropBefore, noParam()
	case "500", "502", "503":
		r.Kind, err = statedoctest.ServerError, noParam()
		r.Status, _ = strconv.Atoi(name)
	case "500-applied":
		r.Kind, r.Status, r.Apply, err = statedoctest.ServerError, http.StatusInternalServerError, true, noParam()
	case "503-retry":
		r.Kind, r.Status = statedoctest.ServerError, http.StatusServiceUnavailable
		r.RetryAfter, err = seconds(item, param, hasParam, 1)
		if err == nil && r.RetryAfter == 0 {
			err = fmt.Errorf("%q: Retry-After must be at least 1 second", item)
		}
	case "429":
		r.Kind = statedoctest.TooManyRequests
		r.RetryAfter, err = seconds(item, param, hasParam, 0)
	case "latency":
		r.Kind, r.Delay = statedoctest.Latency, 100*time.Millisecond
		if hasParam {
			r.Delay, err = time.ParseDuration(param)
			if err != nil || r.Delay <= 0 {
				err = fmt.Errorf("%q: delay %q is not a positive duration such as 5ms", item, param)
			}
		}
	case "conflict":
		r.Kind, err = statedoctest.Conflict, noParam()
	case "weak-etag":
		r.Kind, r.Methods, err = statedoctest.WeakETag, nil, noParam()
	case "no-etag":
		r.Kind, r.Methods, err = statedoctest.StripETag, nil, noParam()
	case "no-write-etag":
		r.Kind, err = statedoctest.StripWriteETag, noParam()
	default:
		return r, false, fmt.Errorf("%q: unknown kind %q (known: %s)", item, name, strings.Join(faultNames, ", "))
	}
	if err != nil {
		return statedoctest.Fault{}, false, err
	}
	r.Probability = p // 1 means always; 0 is left out
	return r, p > 0, nil
}

// seconds reads the :seconds parameter of item, a whole number of
// seconds, or returns def seconds when there is none.
func seconds(item, param string, hasParam bool, def int64) (time.Duration, error) {
	n := def
	if hasParam {
		var err error
		n, err = strconv.ParseInt(param, 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64/int64(time.Second) {
			return 0, fmt.Errorf("%q: %q is not a whole number of seconds", item, param)
		}
	}
	return time.Duration(n) * time.Second, nil
}
