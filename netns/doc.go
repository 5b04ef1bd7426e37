// Package netns owns what sgswitch changes on its host: named network
// namespaces, host links, the claims on interfaces it attaches to, the
// processes that run inside its namespaces, and the processes it starts
// for its labs (process.go). Nothing else in the tree creates or deletes
// a namespace or switches a thread into one.
//
// # Safety
//
// sgswitch runs as root on its users' own machines, so every object it
// makes is recorded with its owner ("lab/shop", "test/4711-3", "bench/812")
// and its identity (a namespace's nsfs inode, a link's ifindex) in
// RecordDir, a directory on /run: it goes away at reboot, as the objects
// do. Every removal path (Delete, DeleteLink, RemoveAll, Scope.Close) reads
// the record first and removes an object only when
//
//   - it is recorded, with the same owner, and
//   - the object under that name now is the one recorded (same inode or
//     ifindex): a namespace someone deleted and another tool re-created
//     under the same name is not ours, and is left alone.
//
// Anything else fails with ErrNotOwned, naming who owns it as far as is
// known. Create refuses a name that exists and is not the caller's, so an
// object is never reused across owners either. A persistent port device
// inside a namespace (a TAP that outlives the daemon, KindPort) is
// recorded by namespace and link, one record per port, so a namespace
// holds as many ports as its node has interfaces; each is re-attached
// (FindPort) or removed (DeletePort) only while its name and ifindex
// still match, and records of the first format (one per namespace) are
// still honoured. DeleteUnused removes a namespace only once no link but
// loopback is left in it, for unwiring one interface of several. A
// namespace is removed only after every process inside it has ended
// (SIGTERM, then SIGKILL after Grace), so no process lives on in an
// orphaned namespace. A process sgswitch starts outside its namespaces
// (a lab VM's QEMU, KindProc) is recorded by pid and start time; it is
// signalled (through a pidfd, after checking both again) only while both
// match, so a reused pid is never signalled, and RemoveAll ends an
// owner's processes before it removes the links they hold.
//
// # Per-namespace settings
//
// /proc/sys/net belongs to the network namespace of the thread that opens
// it, so SetForwarding and Forwarding open it from a thread inside the
// namespace (Do): a lab node's forwarding never reaches the host's.
//
// # iproute2
//
// Namespaces are made and removed exactly as `ip netns add` and `ip netns
// del` do, so both tools can create, list and delete namespaces in any
// order: /run/netns is made a shared mount point of its own (bind-mounted
// onto itself once, then MS_SHARED|MS_REC, iproute2's loop), the name is a
// file in it created with O_EXCL, and a new namespace is bind-mounted onto
// that file from a thread that unshared CLONE_NEWNET. Deletion is a lazy
// unmount (MNT_DETACH) and unlink. Mounting /run/netns any other way (a
// plain bind mount per file, without the shared directory mount) is what
// made iproute2 stack its own mount over sgswitch's and broke both.
//
// # Threads
//
// Setns is per OS thread. Do and Go run a function on a fresh goroutine
// whose thread is locked and switched into the namespace; a thread that
// could not be switched back is never unlocked, so the Go runtime ends it
// with its goroutine instead of reusing it in the wrong namespace.
// Commands started inside a namespace (Command) go through `ip netns exec`,
// so they see the namespace's /sys as they would from a shell.
//
// # Thread-safety
//
// Every function may be called from any goroutine. Records are written
// atomically (temporary file and rename); two processes creating the same
// name race on O_EXCL, and one of them loses cleanly.
package netns
