package statedoctest

import (
	"net/http"

	"github.com/ifmatch/ifmatch/statedoc"
)

// The paths of the resources below the server's URL.
const (
	// ActivityProfilePath is the path of the Activity Profile Resource.
	ActivityProfilePath = "/" + statedoc.ActivityProfilePath
	// AgentProfilePath is the path of the Agent Profile Resource.
	AgentProfilePath = "/" + statedoc.AgentProfilePath
	// AboutPath is the path of the About Resource.
	AboutPath = "/" + statedoc.AboutPath
)

// resource is one of the three document resources.
type resource int

const (
	stateResource resource = iota
	activityProfileResource
	agentProfileResource
)

// resourceSpec describes how a document resource is addressed.
type resourceSpec struct {
	path     string // below the server's URL
	name     string // for messages, such as "the State Resource"
	noun     string // a document of it, for messages
	idParam  string // the parameter naming one document
	activity bool   // it takes activityId (required)
	agent    bool   // it takes agent (required)
	// registration reports whether it takes the optional registration
	// and a DELETE without idParam (delete all of a context).
	registration bool
}

var resources = [...]resourceSpec{
	stateResource: {path: StatePath, name: "the State Resource", noun: "state document", idParam: "stateId",
		activity: true, agent: true, registration: true},
	activityProfileResource: {path: ActivityProfilePath, name: "the Activity Profile Resource", noun: "activity profile document",
		idParam: "profileId", activity: true},
	agentProfileResource: {path: AgentProfilePath, name: "the Agent Profile Resource", noun: "agent profile document",
		idParam: "profileId", agent: true},
}

// resourceAt returns the document resource a request path names.
func resourceAt(path string) (resource, bool) {
	for i, sp := range resources {
		if path == basePath+sp.path {
			return resource(i), true
		}
	}
	return 0, false
}

// params returns the parameters the resource takes with method, in the
// order messages list them, or false when it does not allow the method.
func (sp resourceSpec) params(method string) ([]string, bool) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
	default:
		return nil, false
	}
	var names []string
	if sp.activity {
		names = append(names, "activityId")
	}
	if sp.agent {
		names = append(names, "agent")
	}
	if sp.registration {
		names = append(names, "registration")
	}
	names = append(names, sp.idParam)
	if method == http.MethodGet || method == http.MethodHead {
		names = append(names, "since")
	}
	return names, true
}

// idOf returns the document id a request's query names for the resource
// at path ("" for none and for other paths).
func idOf(path string, q map[string][]string) string {
	res, ok := resourceAt(path)
	if !ok {
		return ""
	}
	if v := q[resources[res].idParam]; len(v) > 0 {
		return v[0]
	}
	return ""
}
