/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The contract between the generator and /init: in-image paths and the plan format. */
#ifndef MKINITRAMFS_ABI_H
#define MKINITRAMFS_ABI_H

/*
 * This header is owned by the init. The generator includes it; the init never includes
 * anything of the generator. Bump ABI_PLAN_VERSION on any incompatible change: an init
 * refuses a plan whose version it does not know, rather than misreading it. New flag
 * letters that an older init may ignore safely need no bump ('r', 'k' and 'd' below:
 * such an init loads 'k' and 'd' modules at boot, and 'r' ones when the kernel asks
 * for them; 'e' changes nothing for it).
 */

#define ABI_PLAN_VERSION 1

/* In-image paths. */
#define ABI_INIT_PATH "/init"
#define ABI_PLAN_PATH "/etc/mkinitramfs/plan"
#define ABI_MODULES_DIR "/lib/modules"
#define ABI_FIRMWARE_DIR "/lib/firmware"
#define ABI_BUSYBOX_PATH "/bin/busybox"
#define ABI_CONSOLE_PATH "/dev/console"
#define ABI_KMSG_PATH "/dev/kmsg"
#define ABI_NEW_ROOT "/new_root"
/*
 * A link to the init: the kernel's request_module() runs it as modprobe, and it
 * loads the named module or alias from the plan (A records match "crypto-xts" too).
 */
#define ABI_MODPROBE_PATH "/sbin/modprobe"
/*
 * The network-root helper, added by the net hook. The init runs it (argv "netroot", an
 * empty environment) when root= is /dev/nfs, nfs:…, nfs4:…, nbd:…, or /dev/nbdN with
 * nbdroot=. It reads /proc/cmdline itself, brings up the network (ip=, BOOTIF=, DHCP),
 * writes /run/net-<iface>.conf, and exits 0 once an NFS root is mounted on ABI_NEW_ROOT
 * or an NBD export is attached as /dev/nbdN (then probed and mounted like a disk);
 * otherwise it logs why and exits 1.
 */
#define ABI_HELPER_DIR "/lib/mkinitramfs"
#define ABI_NETROOT_PATH ABI_HELPER_DIR "/netroot"
/*
 * The fsck and usr helper: one program, added as "fsck" by the fsck hook and as "usr"
 * by the usr hook; the name it is run under says what to do, and its presence in the
 * image says that the hook asked for it. The init runs, with an empty environment:
 *   fsck DEV TYPE  before mounting a block root (DEV "/dev/vda1", TYPE the probed type
 *                  or ""): checks it with the image's fsck.<type> as fsck.mode= and
 *                  fsck.repair= say. Exit 0: mount it; 1: do not (logged why); when
 *                  the checker asks for a reboot, the helper reboots.
 *   usr            after mounting the root on ABI_NEW_ROOT: mounts the separate /usr of
 *                  its /etc/fstab on ABI_NEW_ROOT/usr (checked first by the fsck
 *                  helper's code when the image has it). Exit 0: switch root; 1: not.
 */
#define ABI_FSCK_PATH ABI_HELPER_DIR "/fsck"
#define ABI_USR_PATH ABI_HELPER_DIR "/usr"

/*
 * The console helper, added by the keymap, consolefont and sd-vconsole hooks and named
 * by the plan's V record (below). Its keymap file is kbd's binary keymap, as
 * `loadkeys -b` writes it: the magic "bkeymap", 256 bytes (1 when that table follows,
 * else 0), then for each table present NR_KEYS (128) 16-bit entries in the byte order of
 * the machine, the values given to KDSKBENT. Its font file is a PSF1 or PSF2 font,
 * uncompressed.
 */
#define ABI_VCONSOLE_PATH ABI_HELPER_DIR "/vconsole"

/*
 * The module decompressor of generic images, in the image when a plan's module has the
 * flag 'u' (below). The init runs it, once for the modules it is about to load, with
 * their <path>s ("X.ko.zst", one zstd frame each that says its size) as arguments and
 * an empty environment; it writes each as "X.ko" (to a temporary name, then renamed),
 * leaving "X.ko.zst" (the image's modules.dep names it). Exit 0: all done; 1: it logged,
 * one line per file, which failed (the init's load of those then fails naming the missing
 * "X.ko").
 */
#define ABI_UNZSTD_PATH ABI_HELPER_DIR "/unzstd"
#define ABI_KEYMAP_PATH "/etc/mkinitramfs/keymap.bin"
#define ABI_FONT_PATH "/etc/mkinitramfs/font.psf"

/*
 * The plan: a text file, one record a line, fields separated by a single TAB, lines
 * ended by '\n'. Text so that a rescue shell can `cat` it; line-oriented so that the
 * init parses it in one pass from a fixed buffer.
 *
 *   mkinitramfs-plan<TAB><version>
 *       First line, always. <version> is ABI_PLAN_VERSION in decimal.
 *
 *   K<TAB><kernel version>
 *       The kernel release the image was built for (`uname -r`); empty for an image
 *       built without modules (mkinitramfs -k none).
 *
 *   M<TAB><name><TAB><path><TAB><flags><TAB><deps><TAB><params>
 *       A module. Records appear in load order: every module that must be loaded
 *       before another (hard dependency, softdep pre) has a smaller index. Index = the
 *       0-based position among M records.
 *       <name>   module name, '-' normalised to '_'.
 *       <path>   absolute in-image path of the module file (uncompressed unless 'z').
 *       <flags>  one or more letters, or "-" for none:
 *                  a  load at boot, before looking for root, each after its <deps>:
 *                     on several CPUs, modules that do not depend on each other load
 *                     at the same time (plan order is kept only through <deps>)
 *                  m  load only when a device's modalias matches one of its A records
 *                     (after its <deps>). Root first: a block root's drivers wait in
 *                     a queue from which the init, while the root (or resume, an
 *                     unlock, LVM) is not there and no uevent is pending, loads the
 *                     cheapest (the bytes of its closure's files not loaded yet; on
 *                     several CPUs, beside it those that cost at most twice as
 *                     much), then reads the uevents it caused.
 *                     What is queued when the root appears is left to the real
 *                     root. Every one loads at once for a network root, and when a
 *                     person must type (the triggers of 'k').
 *                  e  early, with 'm': load on match at once, never queued behind
 *                     the root (a hook's LOAD=early in a generic image: kms).
 *                     An init that does not know 'e' treats it as 'm'.
 *                  r  load only on request, by name or by one of its A records:
 *                     the root's filesystem type ("fs-<type>") just before it is
 *                     mounted, the kernel's request_module() (ABI_MODPROBE_PATH),
 *                     every 'r' module when the root's type is unknown. A generic
 *                     image's filesystems: it pays only for the root's own.
 *                  k  with 'a' or 'm': only once a person must type (a passphrase
 *                     prompt, the shell, rd.break), not at boot. An init that does
 *                     not know 'k' loads them at boot, as before.
 *                  d  deferred, with 'a': a host image's driver for a device this
 *                     machine has but its root (and resume) does not sit on (a
 *                     CD-ROM's controller, a mouse, a GPU). Not loaded at boot; loaded
 *                     when the root has not appeared after ABI_DEFER_ROOT_S seconds of
 *                     the root wait or at its end if sooner (the root may be behind
 *                     one after all; the wait then starts again), at the
 *                     triggers of 'k', and by name on request. An init that does not
 *                     know 'd' loads them at boot, as before.
 *                  o  optional: a failure to load is a warning, never fatal
 *                  s  soft or weak dependency of another module: a failure is a warning
 *                  z  <path> is the module file as the distribution compressed it
 *                     (.ko.xz, .ko.zst, .ko.gz): the target kernel decompresses it
 *                     itself, so it is loaded with finit_module(2)'s
 *                     MODULE_INIT_COMPRESSED_FILE (Linux 5.17+, CONFIG_MODULE_DECOMPRESS
 *                     with that format). Such files sit in the image's first,
 *                     uncompressed cpio segment. An init that does not know 'z' would
 *                     fail to load them: generator and init ship together.
 *                  u  <path> is "X.ko.zst", compressed by the generator for a kernel
 *                     that does not decompress modules (a generic image: most of its
 *                     modules are never loaded, so none pays for decompression at
 *                     unpack time). Such files sit in the uncompressed first segment;
 *                     before loading, the init runs ABI_UNZSTD_PATH on them (all of a
 *                     load's 'u' modules at once) and loads "X.ko". Before it starts
 *                     a shell it decompresses every 'u' module left: the image's
 *                     modules.dep names "X.ko", for a person's modprobe. As with 'z',
 *                     an init that does not know 'u' would fail to load them.
 *       <deps>   comma-separated indexes of the modules to load before this one (its
 *                whole closure, in load order), or "-".
 *       <params> the rest of the line, possibly empty: the parameter string given to
 *                finit_module(2). Kernel command line parameters are appended by the
 *                init, so they win.
 *
 *   A<TAB><pattern><TAB><index>
 *       A modalias pattern (fnmatch(3) syntax, as in modules.alias) that, when a device
 *       with a matching MODALIAS appears, loads M record <index> and its <deps>; for
 *       an 'r' module, a name it is requested by ("fs-ext4"), never a device's.
 *
 *   R<TAB><program>
 *       md RAID: the image assembles arrays with mdadm at <program> (an absolute
 *       in-image path). Each block device that carries an md 1.x superblock (with
 *       rd.md.uuid=UUID words on the kernel command line: only members of those
 *       arrays) is handed, one at a time, to "<program> --incremental --export
 *       /dev/DEV" as a child of the event loop (explicit argv, no shell, an empty
 *       environment but PATH); md_mod is loaded from the plan before the first one,
 *       the personalities by the kernel's own request through ABI_MODPROBE_PATH.
 *       The array comes back as a block device and is probed like a disk. When the
 *       root wait ends (rootdelay=, not with rootwait) and /proc/mdstat shows an
 *       inactive array, the init says so and runs "<program> --incremental --run
 *       --scan" once: a degraded start, then waits up to 10 s more. Without this
 *       record the init leaves md members alone (older inits ignore the record).
 *
 *   V<TAB><helper><TAB><keymap><TAB><keymap name><TAB><font><TAB><font name>
 *       The console's keymap and font (hooks keymap, consolefont, sd-vconsole). The init
 *       runs <helper> (ABI_VCONSOLE_PATH) once its modules are loaded and before any
 *       prompt, with the other four fields as its arguments, and goes on whatever it
 *       exits with (the helper logs what it did). <keymap>, <font>: in-image paths
 *       (ABI_KEYMAP_PATH, ABI_FONT_PATH), "-" for none; the names (as in
 *       vconsole.conf, for the logs) are "-" when there is no file. An init that does
 *       not know V ignores it: the boot goes on with the kernel's US keymap and font.
 *
 *   L<TAB><program><TAB><config>
 *       LVM: the image activates volume groups with lvm at <program> (an absolute
 *       in-image path). Each time a block device with an LVM2 PV label appears, the
 *       init runs "<program> vgchange -ay --sysinit --config <config>", or, when the
 *       kernel command line has rd.lvm.vg=VG or rd.lvm.lv=VG/LV words, "<program>
 *       lvchange -ay --sysinit --config <config> VG|VG/LV...", one at a time, as a
 *       child of its event loop (explicit argv, no shell, an empty environment but
 *       PATH). <config> is lvm's --config text: the generator's settings for a boot
 *       without udev. The logical volumes come back as dm block devices and are probed
 *       like disks. Without this record the init leaves PVs alone (older inits
 *       ignore the record).
 *
 *   F<TAB><key><TAB><value>
 *       A free-form fact for the logs (for example "F\tgenerator\tmkinitramfs 0.1").
 *       Unknown record types are ignored so that later generators can add some.
 */
#define ABI_PLAN_MAGIC "mkinitramfs-plan"
#define ABI_REC_KERNEL 'K'
#define ABI_REC_MODULE 'M'
#define ABI_REC_ALIAS 'A'
#define ABI_REC_FACT 'F'
#define ABI_REC_MD 'R'
#define ABI_REC_VCONSOLE 'V'
#define ABI_REC_LVM 'L'

#define ABI_FLAG_ALWAYS 'a'
#define ABI_FLAG_MATCH 'm'
#define ABI_FLAG_REQUEST 'r'
#define ABI_FLAG_CONSOLE 'k'
#define ABI_FLAG_OPTIONAL 'o'
#define ABI_FLAG_SOFTDEP 's'
#define ABI_FLAG_COMPRESSED 'z'
#define ABI_FLAG_UNZSTD 'u'
#define ABI_FLAG_DEFERRED 'd'
#define ABI_FLAG_EARLY 'e'

/* How long the root wait goes on before the 'd' modules are loaded after all. */
#define ABI_DEFER_ROOT_S 3

/* Limits both sides respect; the generator refuses a plan beyond them. */
#define ABI_PLAN_MAX_BYTES (8u << 20)
#define ABI_PLAN_MAX_MODULES 8192
#define ABI_PLAN_MAX_LINE 4096

#endif
