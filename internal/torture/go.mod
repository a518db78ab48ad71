module github.com/ifmatch/ifmatch/internal/torture

go 1.24

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/ifmatch/ifmatch v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/evanphx/json-patch/v5 v5.9.11 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/ifmatch/ifmatch => ../..
