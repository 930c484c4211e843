package reports

import "math"

// line is a least-squares line y = intercept + slope·x, its residual
// standard deviation and the standard error of its slope.
type line struct {
	slope, intercept   float64
	residual, slopeErr float64
	meanX, meanY       float64
	sse, sxx, n        float64
}

// fitLine fits y against x; false with fewer than three points or when x
// does not vary.
func fitLine(xs, ys []float64) (line, bool) {
	n := float64(len(xs))
	if len(xs) < 3 {
		return line{}, false
	}
	var meanX, meanY float64
	for i := range xs {
		meanX += xs[i]
		meanY += ys[i]
	}
	meanX, meanY = meanX/n, meanY/n
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - meanX) * (xs[i] - meanX)
		sxy += (xs[i] - meanX) * (ys[i] - meanY)
	}
	if sxx == 0 {
		return line{}, false
	}
	l := line{slope: sxy / sxx, meanX: meanX, meanY: meanY, sxx: sxx, n: n}
	l.intercept = meanY - l.slope*meanX
	for i := range xs {
		r := ys[i] - l.at(xs[i])
		l.sse += r * r
	}
	l.residual = math.Sqrt(l.sse / (n - 2))
	l.slopeErr = l.residual / math.Sqrt(sxx)
	return l, true
}

func (l line) at(x float64) float64 { return l.intercept + l.slope*x }

// band is two standard errors of the fitted mean at x: how far the line
// itself may be off there, widening away from the data.
func (l line) band(x float64) float64 {
	return 2 * l.residual * math.Sqrt(1/l.n+(x-l.meanX)*(x-l.meanX)/l.sxx)
}

// reachesAbove is the smallest x from lo at which the line, raised (side
// +1) or lowered (side -1) by its band, reaches y; false when it does not
// within a thousand times lo.
func (l line) reachesAbove(y, lo float64, side float64) (float64, bool) {
	f := func(x float64) float64 { return l.at(x) + side*l.band(x) - y }
	if f(lo) >= 0 {
		return lo, true
	}
	hi := math.Max(lo, 1)
	for f(hi) < 0 {
		hi *= 2
		if hi > 1000*math.Max(lo, 1) {
			return 0, false
		}
	}
	for range 100 {
		mid := (lo + hi) / 2
		if f(mid) >= 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}

// solve is the x at which the line through the centroid with this slope
// reaches y.
func (l line) solve(y, slope float64) float64 { return l.meanX + (y-l.meanY)/slope }
