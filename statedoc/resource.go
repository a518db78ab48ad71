package statedoc

// The paths of the LRS resources this package addresses, relative to the
// LRS endpoint (xAPI 1.0.3 Communication, Appendix B; 2.0 §4.1). A client
// joins them to the endpoint with a slash: the State Resource of
// "https://lrs.example.com/xapi" is "https://lrs.example.com/xapi/activities/state".
const (
	// StatePath is the State Resource (1.0.3 §2.3; 2.0 §4.1.6.2).
	StatePath = "activities/state"
	// ActivityProfilePath is the Activity Profile Resource (1.0.3 §2.7;
	// 2.0 §4.1.6.6).
	ActivityProfilePath = "activities/profile"
	// AgentProfilePath is the Agent Profile Resource (1.0.3 §2.6; 2.0
	// §4.1.6.5).
	AgentProfilePath = "agents/profile"
	// AboutPath is the About Resource, which lists the xAPI versions the
	// LRS speaks (1.0.3 §2.8; 2.0 §4.1.6.7).
	AboutPath = "about"
)
