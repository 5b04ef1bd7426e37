package netns

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ethtoolValue is struct ethtool_value.
type ethtoolValue struct {
	cmd  uint32
	data uint32
}

// ifreqData is struct ifreq with the ifr_data pointer member.
type ifreqData struct {
	name [unix.IFNAMSIZ]byte
	data unsafe.Pointer
	_    [16]byte
}

// SetTxChecksum turns transmit checksum offload of the link ifname in the
// calling thread's namespace on or off (`ethtool -K ifname tx on|off`).
// Turning it off also turns off TSO, which depends on it.
func SetTxChecksum(ifname string, on bool) error {
	return ethtoolSet(ifname, unix.ETHTOOL_STXCSUM, on)
}

// SetGRO turns generic receive offload of ifname on or off (`ethtool -K
// ifname gro on|off`). On a veth, GRO on gives the receiving stack merged
// segments (and makes veth receive through NAPI).
func SetGRO(ifname string, on bool) error {
	return ethtoolSet(ifname, unix.ETHTOOL_SGRO, on)
}

func ethtoolSet(ifname string, cmd uint32, on bool) error {
	v := ethtoolValue{cmd: cmd}
	if on {
		v.data = 1
	}
	if err := ethtool(ifname, &v); err != nil {
		return fmt.Errorf("ethtool %s (cmd %#x=%v): %w", ifname, cmd, on, err)
	}
	return nil
}

// TxChecksum reports whether transmit checksum offload is on for ifname.
func TxChecksum(ifname string) (bool, error) {
	v := ethtoolValue{cmd: unix.ETHTOOL_GTXCSUM}
	if err := ethtool(ifname, &v); err != nil {
		return false, fmt.Errorf("ethtool -k %s: %w", ifname, err)
	}
	return v.data != 0, nil
}

// ethtool runs the SIOCETHTOOL ioctl v.cmd on ifname, which reads or
// writes v.data.
func ethtool(ifname string, v *ethtoolValue) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var ifr ifreqData
	copy(ifr.name[:unix.IFNAMSIZ-1], ifname)
	ifr.data = unsafe.Pointer(v)
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	if e != 0 {
		return e
	}
	return nil
}
