package perf

import (
	"fmt"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Charts draws PNG charts into dir and returns their file names: one bar
// chart per end-to-end headline metric (a bar per path), one line chart per
// scaling metric (rules on a log axis), and the in-memory ns/frame figures.
func Charts(r *Results, dir string) ([]string, error) {
	var files []string
	paths := pathsOf(r, "e2e")
	for _, m := range headlineMetrics {
		var names []string
		var vals plotter.Values
		for _, p := range paths {
			if f, ok := r.Find("e2e", p, m, 0); ok {
				names = append(names, p)
				vals = append(vals, f.Value)
			}
		}
		if len(vals) == 0 {
			continue
		}
		name := "e2e_" + m + ".png"
		if err := barChart(filepath.Join(dir, name), fmt.Sprintf("%s (%s)", m, units[m]), names, vals); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	for _, m := range ScalingMetrics {
		name := "scaling_" + m + ".png"
		ok, err := scalingChart(r, filepath.Join(dir, name), m)
		if err != nil {
			return files, err
		}
		if ok {
			files = append(files, name)
		}
	}
	var names []string
	var vals plotter.Values
	for _, f := range r.Figures {
		if f.Section == "inmemory" && f.Unit == "ns/frame" && f.Path == "sgswitch" {
			names = append(names, shortName(f))
			vals = append(vals, f.Value)
		}
	}
	if len(vals) > 0 {
		if err := barChart(filepath.Join(dir, "inmemory_ns_per_frame.png"), "sgswitch in memory (ns/frame)", names, vals); err != nil {
			return files, err
		}
		files = append(files, "inmemory_ns_per_frame.png")
	}
	return files, nil
}

func barChart(file, title string, names []string, vals plotter.Values) error {
	p := plot.New()
	p.Title.Text = title
	bars, err := plotter.NewBarChart(vals, vg.Points(28))
	if err != nil {
		return err
	}
	bars.Color = plotutil.Color(0)
	p.Add(bars)
	p.NominalX(names...)
	p.Y.Min = 0
	w := vg.Length(120+60*len(names)) * vg.Points(1)
	return p.Save(max(w, 5*vg.Inch), 3.5*vg.Inch, file)
}

func scalingChart(r *Results, file, metric string) (bool, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%s) vs rules", metric, units[metric])
	p.X.Label.Text = "rules"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min = 0
	var args []any
	for _, path := range pathsOf(r, "scaling") {
		var xys plotter.XYs
		for _, f := range r.Figures {
			if f.Section == "scaling" && f.Path == path && f.Metric == metric && f.Rules > 0 {
				xys = append(xys, plotter.XY{X: float64(f.Rules), Y: f.Value})
			}
		}
		sort.Slice(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
		if len(xys) > 0 {
			args = append(args, path, xys)
		}
	}
	if len(args) == 0 {
		return false, nil
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return false, err
	}
	return true, p.Save(6*vg.Inch, 4*vg.Inch, file)
}

// shortName labels an in-memory bar: "established" or "new 1000".
func shortName(f Figure) string {
	if f.Rules > 0 {
		return fmt.Sprintf("new flow %d", f.Rules)
	}
	return "established"
}
