package afxdp

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// xdpMdRxQueueIndex is offsetof(struct xdp_md, rx_queue_index).
const xdpMdRxQueueIndex = 16

// xdpPass is XDP_PASS: bpf_redirect_map returns it when the queue has no socket.
const xdpPass = 2

// newRedirect builds the XSKMAP and the XDP program
//
//	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
//
// with cilium/ebpf's assembler, so no C compiler is needed.
func newRedirect(queues int) (*ebpf.Map, *ebpf.Program, error) {
	xsks, err := ebpf.NewMap(&ebpf.MapSpec{
		Name:       "sgswitch_xsks",
		Type:       ebpf.XSKMap,
		KeySize:    4,
		ValueSize:  4,
		MaxEntries: uint32(queues),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("creating XSKMAP: %w", err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:    "sgswitch_xsk",
		Type:    ebpf.XDP,
		License: "Dual MIT/GPL",
		Instructions: asm.Instructions{
			asm.LoadMem(asm.R2, asm.R1, xdpMdRxQueueIndex, asm.Word),
			asm.LoadMapPtr(asm.R1, xsks.FD()),
			asm.Mov.Imm(asm.R3, xdpPass),
			asm.FnRedirectMap.Call(),
			asm.Return(),
		},
	})
	if err != nil {
		xsks.Close()
		return nil, nil, fmt.Errorf("loading XDP program: %w", err)
	}
	return xsks, prog, nil
}
