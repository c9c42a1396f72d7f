package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replies of the sorted set group, compared byte for byte with what
// Valkey 9.0.4 sends (the expected replies were taken from valkey-server,
// in both encodings where they differ).

// zsetBasicsListpack runs in the listpack encoding.
var zsetBasicsListpack = []replyCase{
	rc("zadd z 1 a 2 b 3 c", ":3\r\n"),
	rc("zadd z 1.5 d -1 e inf f -inf g", ":4\r\n"),
	rc("zrange z 0 -1 withscores", "*14\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\ne\r\n$2\r\n-1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
	rc("zadd z nx xx 1 a", "-ERR XX and NX options at the same time are not compatible\r\n"),
	rc("zadd z gt lt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
	rc("zadd z lt nx 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
	rc("zadd z incr 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n"),
	rc("zadd z 1 a 2", "-ERR syntax error\r\n"),
	rc("zadd z abc a", "-ERR value is not a valid float\r\n"),
	rc("zadd z nan a", "-ERR value is not a valid float\r\n"),
	rc("zadd z 1e400 big", "-ERR value is not a valid float\r\n"),
	rc("zadd z 1e-400 tiny", "-ERR value is not a valid float\r\n"),
	rc("zadd z 0x10 hex", ":1\r\n"),
	rc("zscore z hex", "$2\r\n16\r\n"),
	rc("zadd z -0 negzero", ":1\r\n"),
	rc("zscore z negzero", "$1\r\n0\r\n"),
	rc("zadd z incr inf f", "$3\r\ninf\r\n"),
	rc("zadd z incr -inf f", "-ERR resulting score is not a number (NaN)\r\n"),
	rc("zadd z ch 10 a 20 b 30 new", ":3\r\n"),
	rc("zadd z xx ch 100 a 200 nosuch", ":1\r\n"),
	rc("zadd z gt ch 50 a 300 b", ":1\r\n"),
	rc("zadd z lt ch 60 a 1 b", ":2\r\n"),
	rc("zadd z nx incr 1 a", "$-1\r\n"),
	rc("zadd z xx incr 1 nosuch", "$-1\r\n"),
	rc("zadd z gt incr -1 a", "$-1\r\n"),
	rc("zincrby z 2.5 a", "$4\r\n62.5\r\n"),
	rc("zincrby z nx a", "-ERR syntax error\r\n"),
	rc("zincrby z abc a", "-ERR value is not a valid float\r\n"),
	rc("zrange z 0 -1 withscores", "*20\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nc\r\n$1\r\n3\r\n$3\r\nhex\r\n$2\r\n16\r\n$3\r\nnew\r\n$2\r\n30\r\n$1\r\na\r\n$4\r\n62.5\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
	rc("zmscore z a b nosuch", "*3\r\n$4\r\n62.5\r\n$1\r\n1\r\n$-1\r\n"),
	rc("zmscore nokey a", "*1\r\n$-1\r\n"),
	rc("zcard z", ":10\r\n"),
	rc("zrank z a withscore", "*2\r\n:8\r\n$4\r\n62.5\r\n"),
	rc("zrank z nosuch withscore", "*-1\r\n"),
	rc("zrank z nosuch", "$-1\r\n"),
	rc("zrank z a foo", "-ERR syntax error\r\n"),
	rc("zrank z a withscore x", "-ERR wrong number of arguments for 'zrank' command\r\n"),
	rc("zrevrank z a withscore", "*2\r\n:1\r\n$4\r\n62.5\r\n"),
	rc("zcount z -inf +inf", ":10\r\n"),
	rc("zcount z (1 3", ":2\r\n"),
	rc("zcount z abc 3", "-ERR min or max is not a float\r\n"),
	rc("zcount z ( (", ":0\r\n"),
	rc("zcount z 5 1", ":0\r\n"),
	rc("zrangebyscore z -inf +inf withscores limit 1 2", "*4\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$1\r\n0\r\n"),
	rc("zrangebyscore z -inf +inf limit -1 2", "*0\r\n"),
	rc("zrevrangebyscore z +inf -inf withscores limit 2 3", "*6\r\n$3\r\nnew\r\n$2\r\n30\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nc\r\n$1\r\n3\r\n"),
	rc("zrange z 5 1 byscore rev limit 0 1", "*1\r\n$1\r\nc\r\n"),
	rc("zrange z 0 -1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
	rc("zrange z - + bylex withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
	rc("zrange z 0 -1 rev withscores", "*20\r\n$1\r\nf\r\n$3\r\ninf\r\n$1\r\na\r\n$4\r\n62.5\r\n$3\r\nnew\r\n$2\r\n30\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n1\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$1\r\ne\r\n$2\r\n-1\r\n$1\r\ng\r\n$4\r\n-inf\r\n"),
	rc("zrange z 100 200", "*0\r\n"),
	rc("zrange z 0 1 foo", "-ERR syntax error\r\n"),
	rc("zrange nokey 0 -1", "*0\r\n"),
	rc("zrevrange z 0 2 withscores", "*6\r\n$1\r\nf\r\n$3\r\ninf\r\n$1\r\na\r\n$4\r\n62.5\r\n$3\r\nnew\r\n$2\r\n30\r\n"),
	rc("zremrangebyrank z 0 0", ":1\r\n"),
	rc("zremrangebyrank z -2 -1", ":2\r\n"),
	rc("zremrangebyrank z a 1", "-ERR value is not an integer or out of range\r\n"),
	rc("zremrangebyscore z (1 3", ":2\r\n"),
	rc("zremrangebyscore z x 3", "-ERR min or max is not a float\r\n"),
	rc("zrange z 0 -1 withscores", "*10\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n1\r\n$3\r\nhex\r\n$2\r\n16\r\n$3\r\nnew\r\n$2\r\n30\r\n"),
	rc("zrem z a b nosuch", ":1\r\n"),
	rc("zrem nokey a", ":0\r\n"),
}

// zsetBasicsSkiplist is the same script with zset-max-listpack-entries 0:
// the skiplist keeps -0, and a negative LIMIT offset finds the last member
// instead of walking off the end.
var zsetBasicsSkiplist = []replyCase{
	rc("zadd z 1 a 2 b 3 c", ":3\r\n"),
	rc("zadd z 1.5 d -1 e inf f -inf g", ":4\r\n"),
	rc("zrange z 0 -1 withscores", "*14\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\ne\r\n$2\r\n-1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
	rc("zadd z nx xx 1 a", "-ERR XX and NX options at the same time are not compatible\r\n"),
	rc("zadd z gt lt 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
	rc("zadd z lt nx 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
	rc("zadd z incr 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n"),
	rc("zadd z 1 a 2", "-ERR syntax error\r\n"),
	rc("zadd z abc a", "-ERR value is not a valid float\r\n"),
	rc("zadd z nan a", "-ERR value is not a valid float\r\n"),
	rc("zadd z 1e400 big", "-ERR value is not a valid float\r\n"),
	rc("zadd z 1e-400 tiny", "-ERR value is not a valid float\r\n"),
	rc("zadd z 0x10 hex", ":1\r\n"),
	rc("zscore z hex", "$2\r\n16\r\n"),
	rc("zadd z -0 negzero", ":1\r\n"),
	rc("zscore z negzero", "$2\r\n-0\r\n"),
	rc("zadd z incr inf f", "$3\r\ninf\r\n"),
	rc("zadd z incr -inf f", "-ERR resulting score is not a number (NaN)\r\n"),
	rc("zadd z ch 10 a 20 b 30 new", ":3\r\n"),
	rc("zadd z xx ch 100 a 200 nosuch", ":1\r\n"),
	rc("zadd z gt ch 50 a 300 b", ":1\r\n"),
	rc("zadd z lt ch 60 a 1 b", ":2\r\n"),
	rc("zadd z nx incr 1 a", "$-1\r\n"),
	rc("zadd z xx incr 1 nosuch", "$-1\r\n"),
	rc("zadd z gt incr -1 a", "$-1\r\n"),
	rc("zincrby z 2.5 a", "$4\r\n62.5\r\n"),
	rc("zincrby z nx a", "-ERR syntax error\r\n"),
	rc("zincrby z abc a", "-ERR value is not a valid float\r\n"),
	rc("zrange z 0 -1 withscores", "*20\r\n$1\r\ng\r\n$4\r\n-inf\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$2\r\n-0\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nc\r\n$1\r\n3\r\n$3\r\nhex\r\n$2\r\n16\r\n$3\r\nnew\r\n$2\r\n30\r\n$1\r\na\r\n$4\r\n62.5\r\n$1\r\nf\r\n$3\r\ninf\r\n"),
	rc("zmscore z a b nosuch", "*3\r\n$4\r\n62.5\r\n$1\r\n1\r\n$-1\r\n"),
	rc("zmscore nokey a", "*1\r\n$-1\r\n"),
	rc("zcard z", ":10\r\n"),
	rc("zrank z a withscore", "*2\r\n:8\r\n$4\r\n62.5\r\n"),
	rc("zrank z nosuch withscore", "*-1\r\n"),
	rc("zrank z nosuch", "$-1\r\n"),
	rc("zrank z a foo", "-ERR syntax error\r\n"),
	rc("zrank z a withscore x", "-ERR wrong number of arguments for 'zrank' command\r\n"),
	rc("zrevrank z a withscore", "*2\r\n:1\r\n$4\r\n62.5\r\n"),
	rc("zcount z -inf +inf", ":10\r\n"),
	rc("zcount z (1 3", ":2\r\n"),
	rc("zcount z abc 3", "-ERR min or max is not a float\r\n"),
	rc("zcount z ( (", ":0\r\n"),
	rc("zcount z 5 1", ":0\r\n"),
	rc("zrangebyscore z -inf +inf withscores limit 1 2", "*4\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$2\r\n-0\r\n"),
	rc("zrangebyscore z -inf +inf limit -1 2", "*1\r\n$1\r\nf\r\n"),
	rc("zrevrangebyscore z +inf -inf withscores limit 2 3", "*6\r\n$3\r\nnew\r\n$2\r\n30\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nc\r\n$1\r\n3\r\n"),
	rc("zrange z 5 1 byscore rev limit 0 1", "*1\r\n$1\r\nc\r\n"),
	rc("zrange z 0 -1 limit 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
	rc("zrange z - + bylex withscores", "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
	rc("zrange z 0 -1 rev withscores", "*20\r\n$1\r\nf\r\n$3\r\ninf\r\n$1\r\na\r\n$4\r\n62.5\r\n$3\r\nnew\r\n$2\r\n30\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n1\r\n$7\r\nnegzero\r\n$2\r\n-0\r\n$1\r\ne\r\n$2\r\n-1\r\n$1\r\ng\r\n$4\r\n-inf\r\n"),
	rc("zrange z 100 200", "*0\r\n"),
	rc("zrange z 0 1 foo", "-ERR syntax error\r\n"),
	rc("zrange nokey 0 -1", "*0\r\n"),
	rc("zrevrange z 0 2 withscores", "*6\r\n$1\r\nf\r\n$3\r\ninf\r\n$1\r\na\r\n$4\r\n62.5\r\n$3\r\nnew\r\n$2\r\n30\r\n"),
	rc("zremrangebyrank z 0 0", ":1\r\n"),
	rc("zremrangebyrank z -2 -1", ":2\r\n"),
	rc("zremrangebyrank z a 1", "-ERR value is not an integer or out of range\r\n"),
	rc("zremrangebyscore z (1 3", ":2\r\n"),
	rc("zremrangebyscore z x 3", "-ERR min or max is not a float\r\n"),
	rc("zrange z 0 -1 withscores", "*10\r\n$1\r\ne\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$2\r\n-0\r\n$1\r\nb\r\n$1\r\n1\r\n$3\r\nhex\r\n$2\r\n16\r\n$3\r\nnew\r\n$2\r\n30\r\n"),
	rc("zrem z a b nosuch", ":1\r\n"),
	rc("zrem nokey a", ":0\r\n"),
}

// zsetMore covers ZRANGESTORE, the set operations, the pops, ZRANDMEMBER,
// ZSCAN and the lex commands; its replies are the same in both encodings
// but for ZSCAN's order.
var zsetMore = []replyCase{
	rc("zadd a 1 x 2 y 3 z", ":3\r\n"),
	rc("zadd b 10 y 20 z 30 w", ":3\r\n"),
	rc("zrangestore d a 0 -1", ":3\r\n"),
	rc("zrangestore d a 1 2 byscore rev", ":0\r\n"),
	rc("zrange d 0 -1 withscores", "*0\r\n"),
	rc("zrangestore d a 0 -1 withscores", "-ERR syntax error\r\n"),
	rc("zrangestore d nokey 0 -1", ":0\r\n"),
	rc("exists d", ":0\r\n"),
	rc("zunion 2 a b weights 2 3 withscores", "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$2\r\n34\r\n$1\r\nz\r\n$2\r\n66\r\n$1\r\nw\r\n$2\r\n90\r\n"),
	rc("zunion 2 a b aggregate max withscores", "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n"),
	rc("zunion 2 a b aggregate min withscores", "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nw\r\n$2\r\n30\r\n"),
	rc("zunion 2 a b aggregate foo", "-ERR syntax error\r\n"),
	rc("zunion 2 a b weights 1 x", "-ERR weight value is not a float\r\n"),
	rc("zunion 0 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
	rc("zunion 3 a b", "-ERR syntax error\r\n"),
	rc("zinter 2 a b withscores", "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n"),
	rc("zinter 2 a a weights 1 2 withscores", "*6\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n6\r\n$1\r\nz\r\n$1\r\n9\r\n"),
	rc("zinterstore d 2 a b", ":2\r\n"),
	rc("zrange d 0 -1 withscores", "*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n"),
	rc("zunionstore d 2 a b withscores", "-ERR syntax error\r\n"),
	rc("zdiff 2 a b withscores", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"),
	rc("zdiff 2 a a withscores", "*0\r\n"),
	rc("zdiff 2 a b weights 1 1", "-ERR syntax error\r\n"),
	rc("zdiffstore d 2 a b", ":1\r\n"),
	rc("zrange d 0 -1 withscores", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"),
	rc("zdiffstore d 2 a a", ":0\r\n"),
	rc("exists d", ":0\r\n"),
	rc("zintercard 2 a b", ":2\r\n"),
	rc("zintercard 2 a b limit 1", ":1\r\n"),
	rc("zintercard 2 a b limit -1", "-ERR LIMIT can't be negative\r\n"),
	rc("zintercard 2 a b withscores", "-ERR syntax error\r\n"),
	rc("zintercard 0 a", "-ERR at least 1 input key is needed for 'zintercard' command\r\n"),
	rc("zadd inf 1 x", ":1\r\n"),
	rc("zadd ninf 1 x", ":1\r\n"),
	rc("zunion 2 inf ninf weights inf -inf withscores", "*2\r\n$1\r\nx\r\n$1\r\n0\r\n"),
	rc("zinter 2 inf ninf weights inf -inf aggregate max withscores", "*2\r\n$1\r\nx\r\n$3\r\ninf\r\n"),
	rc("zunion 2 inf ninf weights 0 inf withscores", "*2\r\n$1\r\nx\r\n$3\r\ninf\r\n"),
	rc("zpopmin a", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"),
	rc("zpopmax a 5", "*4\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n2\r\n"),
	rc("exists a", ":0\r\n"),
	rc("zpopmin a 0", "*0\r\n"),
	rc("zpopmin b -1", "-ERR value is out of range, must be positive\r\n"),
	rc("zpopmin nokey", "*0\r\n"),
	rc("zpopmin b 1 2", "-ERR syntax error\r\n"),
	rc("zmpop 1 b min", "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\ny\r\n$2\r\n10\r\n"),
	rc("zmpop 2 nokey b max count 10", "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nw\r\n$2\r\n30\r\n*2\r\n$1\r\nz\r\n$2\r\n20\r\n"),
	rc("zmpop 2 nokey b max count 10", "*-1\r\n"),
	rc("zmpop 1 b min count 0", "-ERR count should be greater than 0\r\n"),
	rc("zmpop 0 b min", "-ERR numkeys should be greater than 0\r\n"),
	rc("zmpop 3 b min", "-ERR syntax error\r\n"),
	rc("zmpop 1 b foo", "-ERR syntax error\r\n"),
	rc("zmpop 1 b min count 1 count 2", "-ERR syntax error\r\n"),
	rc("zadd m 1 a 2 b 3 c 4 d", ":4\r\n"),
	rc("zrandmember nokey", "$-1\r\n"),
	rc("zrandmember nokey 5", "*0\r\n"),
	rc("zrandmember m 0", "*0\r\n"),
	rc("zrandmember m 10 withscores", "*8\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"),
	rc("zrandmember m 1 2", "-ERR syntax error\r\n"),
	rc("zrandmember m x", "-ERR value is not an integer or out of range\r\n"),
	rc("zrandmember m -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
	rc("zrandmember m 4611686018427387904 withscores", "-ERR value is out of range\r\n"),
	rc("zscan m 0", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
	rc("zscan m 0 noscores match [ab]", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
	rc("zscan m 0 novalues", "-ERR NOVALUES option can only be used in HSCAN\r\n"),
	rc("zscan m 0 count 0", "-ERR syntax error\r\n"),
	rc("zscan m x", "-ERR invalid cursor\r\n"),
	rc("zscan nokey 0 foo", "*2\r\n$1\r\n0\r\n*0\r\n"),
	rc("zscan m 0 foo", "-ERR syntax error\r\n"),
	rc("zadd l 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n"),
	rc("zrangebylex l [b (e", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
	rc("zrangebylex l (b [e limit 1 2", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
	rc("zrevrangebylex l + - limit 1 3", "*3\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n"),
	rc("zrangebylex l b e", "-ERR min or max not valid string range item\r\n"),
	rc("zrangebylex l + -", "*0\r\n"),
	rc("zlexcount l [c +", ":5\r\n"),
	rc("zlexcount l (c (c", ":0\r\n"),
	rc("zremrangebylex l [b [c", ":2\r\n"),
	rc("zremrangebylex l - +", ":5\r\n"),
	rc("exists l", ":0\r\n"),
	rc("set s x", "+OK\r\n"),
	rc("zadd s 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zrange s 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zunion 1 s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zpopmin s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zmpop 1 s min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
}

// zsetMoreResp3 is zsetMore on a RESP3 client.
var zsetMoreResp3 = []replyCase{
	rc("zadd a 1 x 2 y 3 z", ":3\r\n"),
	rc("zadd b 10 y 20 z 30 w", ":3\r\n"),
	rc("zrangestore d a 0 -1", ":3\r\n"),
	rc("zrangestore d a 1 2 byscore rev", ":0\r\n"),
	rc("zrange d 0 -1 withscores", "*0\r\n"),
	rc("zrangestore d a 0 -1 withscores", "-ERR syntax error\r\n"),
	rc("zrangestore d nokey 0 -1", ":0\r\n"),
	rc("exists d", ":0\r\n"),
	rc("zunion 2 a b weights 2 3 withscores", "*4\r\n*2\r\n$1\r\nx\r\n,2\r\n*2\r\n$1\r\ny\r\n,34\r\n*2\r\n$1\r\nz\r\n,66\r\n*2\r\n$1\r\nw\r\n,90\r\n"),
	rc("zunion 2 a b aggregate max withscores", "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,10\r\n*2\r\n$1\r\nz\r\n,20\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
	rc("zunion 2 a b aggregate min withscores", "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nz\r\n,3\r\n*2\r\n$1\r\nw\r\n,30\r\n"),
	rc("zunion 2 a b aggregate foo", "-ERR syntax error\r\n"),
	rc("zunion 2 a b weights 1 x", "-ERR weight value is not a float\r\n"),
	rc("zunion 0 a", "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
	rc("zunion 3 a b", "-ERR syntax error\r\n"),
	rc("zinter 2 a b withscores", "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n"),
	rc("zinter 2 a a weights 1 2 withscores", "*3\r\n*2\r\n$1\r\nx\r\n,3\r\n*2\r\n$1\r\ny\r\n,6\r\n*2\r\n$1\r\nz\r\n,9\r\n"),
	rc("zinterstore d 2 a b", ":2\r\n"),
	rc("zrange d 0 -1 withscores", "*2\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n"),
	rc("zunionstore d 2 a b withscores", "-ERR syntax error\r\n"),
	rc("zdiff 2 a b withscores", "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n"),
	rc("zdiff 2 a a withscores", "*0\r\n"),
	rc("zdiff 2 a b weights 1 1", "-ERR syntax error\r\n"),
	rc("zdiffstore d 2 a b", ":1\r\n"),
	rc("zrange d 0 -1 withscores", "*1\r\n*2\r\n$1\r\nx\r\n,1\r\n"),
	rc("zdiffstore d 2 a a", ":0\r\n"),
	rc("exists d", ":0\r\n"),
	rc("zintercard 2 a b", ":2\r\n"),
	rc("zintercard 2 a b limit 1", ":1\r\n"),
	rc("zintercard 2 a b limit -1", "-ERR LIMIT can't be negative\r\n"),
	rc("zintercard 2 a b withscores", "-ERR syntax error\r\n"),
	rc("zintercard 0 a", "-ERR at least 1 input key is needed for 'zintercard' command\r\n"),
	rc("zadd inf 1 x", ":1\r\n"),
	rc("zadd ninf 1 x", ":1\r\n"),
	rc("zunion 2 inf ninf weights inf -inf withscores", "*1\r\n*2\r\n$1\r\nx\r\n,0\r\n"),
	rc("zinter 2 inf ninf weights inf -inf aggregate max withscores", "*1\r\n*2\r\n$1\r\nx\r\n,inf\r\n"),
	rc("zunion 2 inf ninf weights 0 inf withscores", "*1\r\n*2\r\n$1\r\nx\r\n,inf\r\n"),
	rc("zpopmin a", "*2\r\n$1\r\nx\r\n,1\r\n"),
	rc("zpopmax a 5", "*2\r\n*2\r\n$1\r\nz\r\n,3\r\n*2\r\n$1\r\ny\r\n,2\r\n"),
	rc("exists a", ":0\r\n"),
	rc("zpopmin a 0", "*0\r\n"),
	rc("zpopmin b -1", "-ERR value is out of range, must be positive\r\n"),
	rc("zpopmin nokey", "*0\r\n"),
	rc("zpopmin b 1 2", "-ERR syntax error\r\n"),
	rc("zmpop 1 b min", "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\ny\r\n,10\r\n"),
	rc("zmpop 2 nokey b max count 10", "*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nw\r\n,30\r\n*2\r\n$1\r\nz\r\n,20\r\n"),
	rc("zmpop 2 nokey b max count 10", "_\r\n"),
	rc("zmpop 1 b min count 0", "-ERR count should be greater than 0\r\n"),
	rc("zmpop 0 b min", "-ERR numkeys should be greater than 0\r\n"),
	rc("zmpop 3 b min", "-ERR syntax error\r\n"),
	rc("zmpop 1 b foo", "-ERR syntax error\r\n"),
	rc("zmpop 1 b min count 1 count 2", "-ERR syntax error\r\n"),
	rc("zadd m 1 a 2 b 3 c 4 d", ":4\r\n"),
	rc("zrandmember nokey", "_\r\n"),
	rc("zrandmember nokey 5", "*0\r\n"),
	rc("zrandmember m 0", "*0\r\n"),
	rc("zrandmember m 10 withscores", "*4\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"),
	rc("zrandmember m 1 2", "-ERR syntax error\r\n"),
	rc("zrandmember m x", "-ERR value is not an integer or out of range\r\n"),
	rc("zrandmember m -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
	rc("zrandmember m 4611686018427387904 withscores", "-ERR value is out of range\r\n"),
	rc("zscan m 0", "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"),
	rc("zscan m 0 noscores match [ab]", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
	rc("zscan m 0 novalues", "-ERR NOVALUES option can only be used in HSCAN\r\n"),
	rc("zscan m 0 count 0", "-ERR syntax error\r\n"),
	rc("zscan m x", "-ERR invalid cursor\r\n"),
	rc("zscan nokey 0 foo", "*2\r\n$1\r\n0\r\n*0\r\n"),
	rc("zscan m 0 foo", "-ERR syntax error\r\n"),
	rc("zadd l 0 a 0 b 0 c 0 d 0 e 0 f 0 g", ":7\r\n"),
	rc("zrangebylex l [b (e", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
	rc("zrangebylex l (b [e limit 1 2", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
	rc("zrevrangebylex l + - limit 1 3", "*3\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n"),
	rc("zrangebylex l b e", "-ERR min or max not valid string range item\r\n"),
	rc("zrangebylex l + -", "*0\r\n"),
	rc("zlexcount l [c +", ":5\r\n"),
	rc("zlexcount l (c (c", ":0\r\n"),
	rc("zremrangebylex l [b [c", ":2\r\n"),
	rc("zremrangebylex l - +", ":5\r\n"),
	rc("exists l", ":0\r\n"),
	rc("set s x", "+OK\r\n"),
	rc("zadd s 1 a", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zrange s 0 -1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zunion 1 s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zpopmin s", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zmpop 1 s min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
}

func zsetEnv(t *testing.T, entries int) (*testEnv, *Client) {
	e := newTestEnv(t)
	e.srv.Cfg.ZsetMaxListpackEntries = entries
	return e, e.newClient()
}

func TestZsetBasics(t *testing.T) {
	e, c := zsetEnv(t, 128)
	e.expect(c, zsetBasicsListpack)
	e, c = zsetEnv(t, 0)
	e.expect(c, zsetBasicsSkiplist)
}

func TestZsetMore(t *testing.T) {
	for _, entries := range []int{128, 0} {
		e, c := zsetEnv(t, entries)
		for _, tc := range zsetMore {
			got := e.do(c, tc.cmd...)
			if entries == 0 && tc.cmd[0] == "zscan" && strings.HasPrefix(got, "*2\r\n$1\r\n0\r\n*") && got != tc.want {
				// A skiplist scans in hash order: compare as multisets.
				if sortedLines(got) != sortedLines(tc.want) {
					t.Errorf("%q: got %q, want the lines of %q", tc.cmd, got, tc.want)
				}
				continue
			}
			if got != tc.want {
				t.Errorf("entries %d %q:\n got %q\nwant %q", entries, tc.cmd, got, tc.want)
			}
		}
	}
	e, c := zsetEnv(t, 128)
	c.Proto = 3
	e.expect(c, zsetMoreResp3)
}

func sortedLines(s string) string {
	l := strings.Split(s, "\r\n")
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j] < l[j-1]; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
	return strings.Join(l, "\n")
}

// zsetKind returns key's kind in database 0.
func zsetKind(t *testing.T, e *testEnv, key string) string {
	t.Helper()
	en, ok := entry(t, e, key)
	if !ok {
		return "missing"
	}
	if typeOf(en) != TypeZSet {
		t.Fatalf("%s: type %s", key, TypeName(en.Kind()))
	}
	return EncodingName(en.Kind())
}

func TestZsetEncodings(t *testing.T) {
	e, c := zsetEnv(t, 4)
	e.srv.Cfg.ZsetMaxListpackValue = 8
	steps := []struct {
		cmd  string
		key  string
		want string
	}{
		{"zadd a 1 x 2 y 3 z 4 w", "a", "listpack"},
		{"zadd a 5 v", "a", "skiplist"},                 // fifth member
		{"zrem a v w", "a", "skiplist"},                 // never converts back
		{"zadd b 1 123456789", "b", "skiplist"},         // nine bytes
		{"zadd c 1 x", "c", "listpack"},                 // existing listpack:
		{"zadd c xx 1 123456789", "c", "skiplist"},      // converted though nothing is added
		{"zrangestore d a 0 1", "d", "listpack"},        // built by ZADD rules
		{"zrangestore d a 0 -1", "d", "listpack"},       // 3 members
		{"zadd e 1 a 2 b 3 c 4 d 5 f", "e", "skiplist"}, // more members than entries at once
		{"zrangestore d e 0 -1", "d", "skiplist"},       // five by rank: created skiplist
		{"zrangestore d e 0 3", "d", "listpack"},        // four
		{"zrangestore d e -inf inf byscore", "d", "skiplist"},
		{"zunionstore d 1 e", "d", "skiplist"},
		{"zinterstore d 2 e a", "d", "listpack"}, // no common member: empty
		{"zunionstore d 2 a c", "d", "listpack"}, // x, y, z
		{"zunionstore d 1 a", "d", "listpack"},
		{"zdiffstore d 2 e a", "d", "skiplist"},
		{"zpopmin e 10", "e", "missing"}, // emptied: deleted
		{"zremrangebyrank a 0 -1", "a", "missing"},
		{"zrem b 123456789", "b", "missing"},
	}
	for _, s := range steps {
		e.do(c, strings.Fields(s.cmd)...)
		if got := zsetKind(t, e, s.key); got != s.want && !(s.want == "listpack" && s.cmd == "zinterstore d 2 e a" && got == "missing") {
			t.Errorf("after %q: %s is %s, want %s", s.cmd, s.key, got, s.want)
		}
	}
	e.expect(c, []replyCase{
		rc("object encoding c", "$8\r\nskiplist\r\n"),
		rc("zrange c 0 -1 withscores", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"),
		rc("zinterstore d 2 c nokey", ":0\r\n"),
		rc("exists d", ":0\r\n"),
	})
}

// TestZsetLarge checks the skiplist paths on a set bigger than the walk
// thresholds: ranks, score and lex ranges with offsets, counts, removal.
func TestZsetLarge(t *testing.T) {
	e, c := zsetEnv(t, 128)
	args := []string{"zadd", "big"}
	for i := 0; i < 500; i++ {
		args = append(args, strconv.Itoa(i/2), fmt.Sprintf("m%03d", i))
	}
	if got := e.do(c, args...); got != ":500\r\n" {
		t.Fatalf("zadd: %q", got)
	}
	if got := zsetKind(t, e, "big"); got != "skiplist" {
		t.Fatalf("encoding %s", got)
	}
	e.expect(c, []replyCase{
		rc("zcard big", ":500\r\n"),
		rc("zrank big m321", ":321\r\n"),
		rc("zrevrank big m321 withscore", "*2\r\n:178\r\n$3\r\n160\r\n"),
		rc("zrange big 300 301", "*2\r\n$4\r\nm300\r\n$4\r\nm301\r\n"),
		rc("zrange big -2 -1 rev", "*2\r\n$4\r\nm001\r\n$4\r\nm000\r\n"),
		rc("zrangebyscore big (100 200 limit 150 3", "*3\r\n$4\r\nm352\r\n$4\r\nm353\r\n$4\r\nm354\r\n"),
		rc("zrevrangebyscore big 200 (100 limit 150 3", "*3\r\n$4\r\nm251\r\n$4\r\nm250\r\n$4\r\nm249\r\n"),
		rc("zrangebyscore big 100 200 limit -1 2", "*1\r\n$4\r\nm401\r\n"),
		rc("zrevrangebyscore big 200 100 limit -1 2", "*1\r\n$4\r\nm200\r\n"),
		rc("zcount big 100 (200", ":200\r\n"),
		rc("zcount big (249 inf", ":0\r\n"),
		rc("zremrangebyscore big 0 (10", ":20\r\n"),
		rc("zremrangebyrank big 0 9", ":10\r\n"),
		rc("zrange big 0 0 withscores", "*2\r\n$4\r\nm030\r\n$2\r\n15\r\n"),
	})
	// All at one score: lex commands.
	args = []string{"zadd", "lex"}
	for i := 0; i < 300; i++ {
		args = append(args, "0", fmt.Sprintf("k%03d", i))
	}
	e.do(c, args...)
	e.expect(c, []replyCase{
		rc("zlexcount lex [k100 (k200", ":100\r\n"),
		rc("zrangebylex lex (k100 + limit 50 2", "*2\r\n$4\r\nk151\r\n$4\r\nk152\r\n"),
		rc("zrevrangebylex lex (k200 - limit 50 2", "*2\r\n$4\r\nk149\r\n$4\r\nk148\r\n"),
		rc("zrangebylex lex (k100 + limit -1 2", "*1\r\n$4\r\nk299\r\n"),
		rc("zrevrangebylex lex (k200 - limit -1 2", "*1\r\n$4\r\nk000\r\n"),
		rc("zremrangebylex lex - (k250", ":250\r\n"),
		rc("zcard lex", ":50\r\n"),
	})
}

func TestZscanSkiplist(t *testing.T) {
	e, c := zsetEnv(t, 0)
	args := []string{"zadd", "s"}
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	e.do(c, args...)
	e.do(c, "zadd", "s", "0.1", "m0")
	seen := map[string]string{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 1000 {
			t.Fatal("scan does not end")
		}
		out := e.do(c, "zscan", "s", cursor, "count", "50")
		lines := strings.Split(out, "\r\n")
		cursor = lines[2]
		for i := 5; i+3 < len(lines); i += 4 {
			seen[lines[i]] = lines[i+2]
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 1000 || seen["m999"] != "999" || seen["m0"] != "0.10000000000000001" {
		t.Fatalf("scan saw %d members, m999=%q m0=%q", len(seen), seen["m999"], seen["m0"])
	}
	out := e.do(c, "zscan", "s", "0", "match", "m99?", "noscores", "count", "100000")
	if !strings.HasPrefix(out, "*2\r\n$1\r\n0\r\n*10\r\n") {
		t.Fatalf("zscan match: %q", out)
	}
}

func TestZsetRangeFloat(t *testing.T) {
	// The range reader reads a C string: it stops at NUL, and an empty
	// string (or a lone "(") is zero.
	for _, tc := range []struct {
		min, max string
		ok       bool
		r        zrangeSpec
	}{
		{"", "", true, zrangeSpec{}},
		{"(", "(", true, zrangeSpec{minex: true, maxex: true}},
		{"1\x00x", "(2", true, zrangeSpec{min: 1, max: 2, maxex: true}},
		{" 1", "1e400", true, zrangeSpec{min: 1, max: math.Inf(1)}},
		{"1 ", "2", false, zrangeSpec{}},
		{"nan", "2", false, zrangeSpec{}},
		{"((1", "2", false, zrangeSpec{}},
	} {
		r, ok := parseScoreRange([]byte(tc.min), []byte(tc.max))
		if ok != tc.ok || (ok && r != tc.r) {
			t.Errorf("parseScoreRange(%q, %q) = %+v, %v", tc.min, tc.max, r, ok)
		}
	}
}

// FuzzZsetRangeSpec checks the range parsers never fail on input and agree
// with each other and with strconv where the syntaxes overlap.
func FuzzZsetRangeSpec(f *testing.F) {
	for _, s := range []string{"1", "(1.5", "-inf", "+inf", "(", "", "0x1p3", "[a", "(b", "-", "+", "1e400", " 7", "nan"} {
		f.Add([]byte(s), []byte("(5"))
	}
	f.Fuzz(func(t *testing.T, min, max []byte) {
		r, ok := parseScoreRange(min, max)
		if ok && (math.IsNaN(r.min) || math.IsNaN(r.max)) {
			t.Fatalf("NaN bound from %q %q", min, max)
		}
		if v, ok := parseZsetFloat(min); ok {
			w, ok2 := parseRangeFloat(min)
			if !ok2 || w != v {
				t.Fatalf("%q: strict %v, range %v %v", min, v, w, ok2)
			}
			plain := true
			for _, ch := range min {
				if !strings.ContainsRune("0123456789.eE+-", rune(ch)) {
					plain = false
				}
			}
			if g, err := strconv.ParseFloat(string(min), 64); plain && err == nil && g != v {
				t.Fatalf("%q: %v, strconv %v", min, v, g)
			}
		}
		ls, ok := parseLexRange(min, max)
		if ok {
			if len(min) == 0 || (min[0] != '(' && min[0] != '[' && len(min) != 1) {
				t.Fatalf("lex range accepted %q", min)
			}
			_ = ls.empty()
		}
	})
}

// zsetWithSets runs the set operations on plain sets (every member
// scoring 1) mixed with a sorted set.
var zsetWithSets = []replyCase{
	rc("sadd s1 a b c", ":3\r\n"),
	rc("sadd s2 1 2 3", ":3\r\n"),
	rc("sadd s3 b c d 1", ":4\r\n"),
	rc("zadd z 1 a 2 b 5 1", ":3\r\n"),
	rc("zunion 2 s1 z withscores", "*8\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n5\r\n"),
	rc("zunion 3 s1 s2 z weights 2 3 4 withscores", "*12\r\n$1\r\nc\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n3\r\n$1\r\n3\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\n1\r\n$2\r\n23\r\n"),
	rc("zinter 2 s3 z withscores", "*4\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n6\r\n"),
	rc("zinter 2 z s3 aggregate max withscores", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n5\r\n"),
	rc("zdiff 2 z s3 withscores", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
	rc("zdiff 2 s1 z withscores", "*2\r\n$1\r\nc\r\n$1\r\n1\r\n"),
	rc("zinterstore d 2 s1 s3", ":2\r\n"),
	rc("zrange d 0 -1 withscores", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n2\r\n"),
	rc("object encoding d", "$8\r\nlistpack\r\n"),
	rc("zunionstore d 3 s1 s2 s3", ":7\r\n"),
	rc("zrange d 0 -1 withscores", "*14\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n2\r\n"),
	rc("zintercard 3 s1 s3 z", ":1\r\n"),
	rc("zdiffstore d 2 s2 s3", ":2\r\n"),
	rc("zrange d 0 -1 withscores", "*4\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n"),
	rc("zunion 1 s2 withscores", "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n"),
	rc("zinter 2 s2 s3 withscores", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
}

func TestZsetSetInputs(t *testing.T) {
	// Intset and listpack sets, then hashtable sets.
	for _, big := range []bool{false, true} {
		e, c := zsetEnv(t, 128)
		if big {
			e.srv.Cfg.SetMaxIntsetEntries = 0
			e.srv.Cfg.SetMaxListpackEntries = 0
		}
		e.expect(c, zsetWithSets)
	}
}

// zsetBlockingImmediate are the blocking pops' argument errors and the
// cases served without blocking.
var zsetBlockingImmediate = []replyCase{
	rc("bzpopmin z x", "-ERR timeout is not a float or out of range\r\n"),
	rc("bzpopmin z -1", "-ERR timeout is negative\r\n"),
	rc("bzpopmin z inf", "-ERR timeout is out of range\r\n"),
	rc("bzmpop x 1 z min", "-ERR timeout is not a float or out of range\r\n"),
	rc("bzmpop 0 0 z min", "-ERR numkeys should be greater than 0\r\n"),
	rc("bzmpop 0 1 z foo", "-ERR syntax error\r\n"),
	rc("bzmpop -1 1 z min", "-ERR timeout is negative\r\n"),
	rc("set s v", "+OK\r\n"),
	rc("bzpopmin s 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("bzmpop 0 1 s min", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
	rc("zadd z 1 a 2 b 3 c", ":3\r\n"),
	rc("bzpopmin nokey z 0", "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"),
	rc("bzpopmax z 0", "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n"),
	rc("bzmpop 0 2 nokey z max count 5", "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
	rc("exists z", ":0\r\n"),
}

func TestZsetBlocking(t *testing.T) {
	e, clk := fakeClockEnv(t)
	c1, c2, c3 := e.newClient(), e.newClient(), e.newClient()
	e.expect(c3, zsetBlockingImmediate)

	// Blocked on two keys; ZADD to the second serves the first waiter,
	// the second waiter keeps waiting on what is left (nothing).
	if r := e.do(c1, "bzpopmin", "k1", "k2", "0"); r != "" {
		t.Fatalf("bzpopmin did not block: %q", r)
	}
	e.do(c2, "bzmpop", "0", "1", "k2", "max", "count", "2")
	if r := e.do(c3, "zadd", "k2", "1", "a", "2", "b", "3", "c"); r != ":3\r\n" {
		t.Fatalf("zadd: %q", r)
	}
	if r := takeOut(c1); r != "*3\r\n$2\r\nk2\r\n$1\r\na\r\n$1\r\n1\r\n" {
		t.Fatalf("c1 got %q", r)
	}
	if r := takeOut(c2); r != "*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n" {
		t.Fatalf("c2 got %q", r)
	}
	e.expect(c3, []replyCase{rc("exists k2", ":0\r\n")})

	// ZUNIONSTORE creating the key serves too.
	e.do(c1, "bzpopmax", "dst", "0")
	e.do(c3, "zadd", "src", "5", "x")
	e.expect(c3, []replyCase{rc("zunionstore dst 1 src", ":1\r\n")})
	if r := takeOut(c1); r != "*3\r\n$3\r\ndst\r\n$1\r\nx\r\n$1\r\n5\r\n" {
		t.Fatalf("c1 got %q", r)
	}

	// A timeout replies the null array.
	e.do(c1, "bzpopmin", "none", "0.5")
	clk.Advance(600 * time.Millisecond)
	e.srv.blockedCron(e.srv.Clock.NowMs())
	if r := takeOut(c1); r != "*-1\r\n" {
		t.Fatalf("timeout got %q", r)
	}
	if len(e.srv.blocking.clients) != 0 {
		t.Fatal("blocking state left behind")
	}
}
