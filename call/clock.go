package call

import "time"

var timeNow = time.Now
