package flowtable

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// modelEntry is the plain-map model of one flow.
type modelEntry struct {
	last, timeout int64
}

// propertyPackets is the key pool: ICMP echo flows (30 s) and GRE address
// pairs (600 s), over three zones and both families, so classes and
// collisions of zone/family are exercised.
func propertyPackets() []PacketInfo {
	var ps []PacketInfo
	for z := range uint32(3) {
		for i := range 4 {
			ps = append(ps, icmp(z, "198.18.0.1", fmt.Sprintf("198.18.0.%d", 2+i), 8, uint16(i)))
			ps = append(ps, icmp(z, "fd00:5e5e::1", "fd00:5e5e::2", 128, uint16(i)))
			ps = append(ps, PacketInfo{Zone: z, Family: 4, Proto: 47,
				Src: addr("198.18.1.1"), Dst: addr(fmt.Sprintf("198.18.1.%d", 2+i)), Length: 10})
		}
	}
	return ps
}

func TestTableMatchesMapModel(t *testing.T) {
	pool := propertyPackets()
	rapid.Check(t, func(rt *rapid.T) {
		capacity := rapid.IntRange(1, 40).Draw(rt, "capacity")
		tb := New(Config{Capacity: capacity, Shards: rapid.SampledFrom([]int{1, 2, 8}).Draw(rt, "shards")})
		model := map[int]modelEntry{}
		now := int64(0)
		expired := func(m modelEntry) bool { return now-m.last >= m.timeout }
		packet := func(rt *rapid.T) (int, PacketInfo) {
			i := rapid.IntRange(0, len(pool)-1).Draw(rt, "key")
			p := pool[i]
			if rapid.Bool().Draw(rt, "reverse") {
				p = reverse(p, 0)
				if p.Proto != 47 {
					p.ICMPType = icmpReplyType(p.ICMPType)
				}
			}
			return i, p
		}
		timeoutOf := func(p PacketInfo) int64 {
			if p.Proto == 47 {
				return 600 * sec
			}
			return 30 * sec
		}
		rt.Repeat(map[string]func(*rapid.T){
			"insert": func(rt *rapid.T) {
				i, p := packet(rt)
				_, err := tb.Insert(&p, tracked, now)
				m, ok := model[i]
				live := ok && !expired(m)
				if !live && ok {
					delete(model, i)
				}
				switch {
				case err == nil:
					model[i] = modelEntry{now, timeoutOf(p)}
				case errors.Is(err, ErrZoneFull):
					inZone := 0
					for j := range model {
						if pool[j].Zone == p.Zone {
							inZone++
						}
					}
					if live || inZone < capacity {
						rt.Fatalf("zone full with %d of %d (live %v)", inZone, capacity, live)
					}
				case errors.Is(err, ErrTableFull):
					if live || len(model) < capacity {
						rt.Fatalf("table full with %d of %d (live %v)", len(model), capacity, live)
					}
				default:
					rt.Fatal(err)
				}
			},
			"update": func(rt *rapid.T) {
				i, p := packet(rt)
				f, found := tb.Lookup(&p)
				m, ok := model[i]
				if found != ok {
					rt.Fatalf("lookup found=%v, model %v", found, ok)
				}
				if !found {
					return
				}
				r := tb.Update(f, &p, 1, now)
				switch {
				case expired(m) && r == Expired:
					delete(model, i)
				case !expired(m) && r == Accept:
					model[i] = modelEntry{now, m.timeout}
				default:
					rt.Fatalf("update %v, model expired=%v", r, expired(m))
				}
			},
			"delete": func(rt *rapid.T) {
				i, p := packet(rt)
				f, found := tb.Lookup(&p)
				if found && !tb.Delete(f) {
					rt.Fatal("delete of a found entry failed")
				}
				delete(model, i)
			},
			"advance": func(rt *rapid.T) {
				now += rapid.Int64Range(0, 700).Draw(rt, "seconds") * sec / 10 * rapid.Int64Range(1, 10).Draw(rt, "tenths")
			},
			"expire": func(rt *rapid.T) {
				want := 0
				for i, m := range model {
					if expired(m) {
						delete(model, i)
						want++
					}
				}
				if got := tb.Expire(now, tb.Slots()); got != want {
					rt.Fatalf("expired %d, want %d", got, want)
				}
			},
			"": func(rt *rapid.T) {
				if tb.Len() != len(model) {
					rt.Fatalf("len %d, model %d", tb.Len(), len(model))
				}
				live := 0
				for _, m := range model {
					if !expired(m) {
						live++
					}
				}
				n := 0
				for info := range tb.Entries(now) {
					n++
					if info.Tracked != true || info.Expires() <= now {
						rt.Fatalf("bad entry %+v", info)
					}
				}
				if n != live {
					rt.Fatalf("entries %d, live in model %d", n, live)
				}
			},
		})
	})
}
