module github.com/volleydb/volley

go 1.26

require (
	github.com/bytedance/gopkg v0.1.4
	github.com/cloudwego/netpoll v0.7.2
	github.com/klauspost/cpuid/v2 v2.4.2
	github.com/panjf2000/gnet/v2 v2.10.0
	github.com/valkey-io/valkey-go v1.0.79
	github.com/valyala/bytebufferpool v1.0.0
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/sys v0.47.0
)

require (
	github.com/cloudwego/gopkg v0.1.4 // indirect
	github.com/panjf2000/ants/v2 v2.12.1 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
	golang.org/x/sync v0.11.0 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)

replace github.com/panjf2000/gnet/v2 v2.10.0 => ./third_party/gnet

replace github.com/yuin/gopher-lua v1.1.2 => ./third_party/gopher-lua
