// SPDX-License-Identifier: MIT
/*
 * Parsing hsxctl's command line. Everything the user typed is checked here,
 * so a bad command line is reported (exit 2) before anything is opened,
 * created or changed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/serial.h>
#include <stdlib.h>
#include <string.h>

#include "capspec.h"
#include "cli.h"
#include "hsx_uapi.h"
#include "hsxd_proto.h"
#include "output.h"

enum option_id {
    OPT_JSON = 'j',
    OPT_COUNT = 'c',
    OPT_TIMEOUT = 't',
    OPT_HELP = 'h',
    OPT_ONE_SHOT = 256,
    OPT_HOLD,
    OPT_MODE,
    OPT_PULL,
    OPT_DRIVE,
    OPT_ACTIVE_LOW,
    OPT_INITIAL,
    OPT_DEBOUNCE,
    OPT_EDGE,
    OPT_UID,
    OPT_FOR,
    OPT_PID,
    OPT_BAUD,
    OPT_DATA,
    OPT_PARITY,
    OPT_STOP,
    OPT_FLOW,
    OPT_HEX,
    OPT_TEXT,
    OPT_FILE,
    OPT_DATA_BITRATE,
    OPT_RESTART_MS,
    OPT_RAW,
    OPT_SIZE,
    OPT_QUOTA_BYTES,
    OPT_QUOTA_FILES,
    OPT_READ_ONLY,
    OPT_RS485,
    OPT_RTS_ON_SEND,
    OPT_RTS_AFTER_SEND,
    OPT_DELAY_BEFORE,
    OPT_DELAY_AFTER,
    OPT_RX_DURING_TX,
};

/* The longest RTS delay uart map --rs485 asks for; the serial core clamps it further (100 ms). */
#define HSXCTL_RS485_DELAY_MAX 1000

static const struct option options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"one-shot", no_argument, NULL, OPT_ONE_SHOT},
    {"hold", no_argument, NULL, OPT_HOLD},
    {"mode", required_argument, NULL, OPT_MODE},
    {"pull", required_argument, NULL, OPT_PULL},
    {"drive", required_argument, NULL, OPT_DRIVE},
    {"active-low", no_argument, NULL, OPT_ACTIVE_LOW},
    {"initial", required_argument, NULL, OPT_INITIAL},
    {"debounce", required_argument, NULL, OPT_DEBOUNCE},
    {"edge", required_argument, NULL, OPT_EDGE},
    {"uid", required_argument, NULL, OPT_UID},
    {"for", required_argument, NULL, OPT_FOR},
    {"pid", required_argument, NULL, OPT_PID},
    {"baud", required_argument, NULL, OPT_BAUD},
    {"data", required_argument, NULL, OPT_DATA},
    {"parity", required_argument, NULL, OPT_PARITY},
    {"stop", required_argument, NULL, OPT_STOP},
    {"flow", required_argument, NULL, OPT_FLOW},
    {"hex", no_argument, NULL, OPT_HEX},
    {"text", no_argument, NULL, OPT_TEXT},
    {"file", required_argument, NULL, OPT_FILE},
    {"data-bitrate", required_argument, NULL, OPT_DATA_BITRATE},
    {"restart-ms", required_argument, NULL, OPT_RESTART_MS},
    {"raw", no_argument, NULL, OPT_RAW},
    {"size", required_argument, NULL, OPT_SIZE},
    {"quota-bytes", required_argument, NULL, OPT_QUOTA_BYTES},
    {"quota-files", required_argument, NULL, OPT_QUOTA_FILES},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"rs485", no_argument, NULL, OPT_RS485},
    {"rts-on-send", no_argument, NULL, OPT_RTS_ON_SEND},
    {"rts-after-send", no_argument, NULL, OPT_RTS_AFTER_SEND},
    {"delay-before-ms", required_argument, NULL, OPT_DELAY_BEFORE},
    {"delay-after-ms", required_argument, NULL, OPT_DELAY_AFTER},
    {"rx-during-tx", no_argument, NULL, OPT_RX_DURING_TX},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};
static const char short_options[] = ":jc:t:h";

const struct hsxctl_command_info hsxctl_commands[] = {
    {HSXCTL_STATUS, "status", HSXCTL_TAKES_JSON, 0, "status [--json]",
     "Show whether hsx.ko is loaded, its version and ABI, the attributes of each\n"
     "module under /sys/hal, and how many mailboxes exist."},
    {HSXCTL_TIMER_CREATE, "timer create",
     HSXCTL_TAKES_JSON | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_ONE_SHOT, 1,
     "timer create PERIOD_US [--one-shot] [--count N] [--json]",
     "Create a timer of PERIOD_US microseconds (100..3600000000), print its ID, then\n"
     "print each expiry until N have arrived (default: 1 for --one-shot, no limit\n"
     "otherwise) or SIGINT/SIGTERM, and cancel it. A timer lives as long as the\n"
     "process that created it, so the command stays until then."},
    {HSXCTL_TIMER_CANCEL, "timer cancel", 0, 1, "timer cancel ID",
     "Cancel any process's timer through the admin node /dev/hsx/ctl.\n"
     "Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_TIMER_LIST, "timer list", HSXCTL_TAKES_JSON, 0, "timer list [--json]",
     "List every timer with the attributes the kernel shows under /sys/hal/timer/ID/."},
    {HSXCTL_LISTEN, "listen", HSXCTL_TAKES_JSON | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT, 1,
     "listen MAILBOX [--count N] [--timeout MS] [--json]",
     "Subscribe to MAILBOX (e.g. hal:timer:3) and print its events as they arrive,\n"
     "one line each (one JSON object each with --json). Exits 0 after N events or on\n"
     "SIGINT/SIGTERM; exits 1 if no event comes within MS milliseconds, if the\n"
     "mailbox is destroyed, or on an error."},
    {HSXCTL_GPIO_GET, "gpio get", HSXCTL_TAKES_JSON, 1, "gpio get PIN [--json]",
     "Print the logical value of PIN (0..63): 0 or 1. A pin that no process has\n"
     "configured is configured as an input without pull first."},
    {HSXCTL_GPIO_SET, "gpio set", HSXCTL_TAKES_HOLD, 2, "gpio set PIN 0|1 [--hold]",
     "Drive the output PIN to 0 or 1. A pin that no process has configured is\n"
     "configured as a push-pull output starting at that value; a pin another process\n"
     "configured as an input is refused. hsx.ko releases a line when the last process\n"
     "using it exits, so with --hold the command keeps the pin driven until SIGINT or\n"
     "SIGTERM."},
    {HSXCTL_GPIO_TOGGLE, "gpio toggle", 0, 1, "gpio toggle PIN",
     "Invert the output PIN, configured by a process that is still running, and\n"
     "print its new value."},
    {HSXCTL_GPIO_CONFIG, "gpio config", HSXCTL_TAKES_GPIO_CONFIG | HSXCTL_TAKES_HOLD, 1,
     "gpio config PIN --mode input|output [--pull none|up|down]\n"
     "             [--drive push-pull|open-drain|open-source] [--active-low] [--initial 0|1]\n"
     "             [--debounce US] [--hold]",
     "Configure PIN. --drive and --initial (the value an output starts at) are for\n"
     "outputs, --debounce (0..1000000 microseconds) for inputs. The configuration\n"
     "lasts while a process uses the pin: with --hold, until SIGINT or SIGTERM."},
    {HSXCTL_GPIO_MONITOR, "gpio monitor",
     HSXCTL_TAKES_EDGE | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT | HSXCTL_TAKES_JSON |
         HSXCTL_TAKES_PULL | HSXCTL_TAKES_ACTIVE_LOW | HSXCTL_TAKES_DEBOUNCE,
     1,
     "gpio monitor PIN [--edge rising|falling|both] [--count N] [--timeout MS] [--json]\n"
     "             [--pull none|up|down] [--active-low] [--debounce US]",
     "Enable the interrupt of the input PIN (default: both edges) and print each edge\n"
     "on one line: time (CLOCK_MONOTONIC, s.ns), pin, edge, value, mailbox sequence\n"
     "number, the pin's edge count, and events dropped before it. A pin that no\n"
     "process has configured, or any pin given --pull, --active-low or --debounce, is\n"
     "configured as an input first. Exits 0 after N edges or on SIGINT/SIGTERM, 1 if\n"
     "no edge comes within MS milliseconds or on an error; the interrupt is then left\n"
     "as it was found."},
    {HSXCTL_GPIO_INFO, "gpio info", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "gpio info [PIN] [--json]",
     "Show which gpiochip line PIN is bound to (chip label, offset, line name), or\n"
     "every mapped pin."},
    {HSXCTL_GPIO_MAP, "gpio map", 0, 3, "gpio map PIN CHIP OFFSET",
     "Bind PIN to line OFFSET of the gpiochip labelled CHIP, through the admin node\n"
     "/dev/hsx/ctl. Needs root (CAP_SYS_ADMIN) and a pin no process uses."},
    {HSXCTL_GPIO_UNMAP, "gpio unmap", 0, 1, "gpio unmap PIN",
     "Remove the binding of PIN, through the admin node /dev/hsx/ctl. Needs root\n"
     "(CAP_SYS_ADMIN) and a pin no process uses."},
    {HSXCTL_UART_MAP, "uart map", HSXCTL_TAKES_RS485, 2,
     "uart map PORT TTY [--rs485 [--rts-on-send|--rts-after-send] [--delay-before-ms N]\n"
     "             [--delay-after-ms N] [--rx-during-tx]]",
     "Bind PORT (0..15) to the serial port TTY of the machine (ttyS1, ttyUSB0, ttyAMA0;\n"
     "a leading /dev/ is dropped), through the admin node /dev/hsx/ctl. hsx.ko then\n"
     "holds the tty: nobody else can open it until the port is unbound. An empty TTY\n"
     "(\"\") unbinds. Needs root (CAP_SYS_ADMIN) and ports that the device tree does\n"
     "not bind.\n"
     "--rs485: first turn the tty's RS-485 mode on (TIOCSRS485), with RTS high while\n"
     "sending (--rts-on-send, the default) or after it (--rts-after-send), RTS set N ms\n"
     "before sending and kept N ms after (0..1000; drivers clamp), and the receiver on\n"
     "while sending (--rx-during-tx; off by default), and print what the driver\n"
     "accepted. A driver without RS-485, or one that refuses it, fails the command with\n"
     "nothing bound. The tty keeps the mode after it is unbound."},
    {HSXCTL_UART_UNMAP, "uart unmap", 0, 1, "uart unmap PORT",
     "Unbind PORT, through the admin node /dev/hsx/ctl, and give its tty back as it\n"
     "was. Every process using the port loses it (its calls fail, its mailbox\n"
     "closes). Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_UART_CONFIG, "uart config", HSXCTL_TAKES_UART_CONFIG | HSXCTL_TAKES_JSON, 1,
     "uart config PORT [--baud N] [--data 5-8] [--parity none|even|odd|mark|space]\n"
     "             [--stop 1|2] [--flow none|rtscts|xonxoff] [--json]",
     "Without options, show the configuration of PORT. With any, change those settings\n"
     "(the others stay as they are) and show the result, with the rate the driver\n"
     "achieved: within 3% of --baud (1..16000000), or the port keeps its settings and\n"
     "the command fails. The configuration is the port's, for every process, and\n"
     "stays after the command exits."},
    {HSXCTL_UART_WRITE, "uart write",
     HSXCTL_TAKES_HEX | HSXCTL_TAKES_FILE | HSXCTL_OPTIONAL_ARGUMENT, 1,
     "uart write PORT TEXT | --hex HEX | --file FILE",
     "Send TEXT as it is (no newline is added), the bytes HEX (pairs of hex digits,\n"
     "which spaces, ':' or '-' may separate), or the contents of FILE ('-': standard\n"
     "input), and wait until they have left the transmitter. Fails if they do not go\n"
     "out in the time they take at the port's rate and a second more. Put '--' before\n"
     "a TEXT that starts with '-'."},
    {HSXCTL_UART_READ, "uart read", HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT | HSXCTL_TAKES_HEX, 1,
     "uart read PORT [--count N] [--timeout MS] [--hex]",
     "Take the bytes waiting in the receive buffer of PORT (up to 4096 received bytes\n"
     "that no reader took yet) and write them to standard output as they are, or hex\n"
     "with --hex. Waits until there is at least one, or N with --count (then reads\n"
     "no more than N), for at most MS milliseconds: exits 1 if they do not come in\n"
     "time, after writing what came. Readers share the buffer: what one takes,\n"
     "another does not get ('uart monitor' takes nothing)."},
    {HSXCTL_UART_MONITOR, "uart monitor",
     HSXCTL_TAKES_HEX | HSXCTL_TAKES_TEXT | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT |
         HSXCTL_TAKES_JSON,
     1, "uart monitor PORT [--hex|--text] [--count N] [--timeout MS] [--json]",
     "Subscribe to the bytes PORT receives (mailbox hal:uart:PORT:rx) and print each\n"
     "event on one line: time (CLOCK_MONOTONIC, s.ns), port, mailbox sequence number,\n"
     "offset (bytes the port received before it), length, line errors, the data as\n"
     "text (printable ASCII, the rest escaped; the default) or hex, events dropped\n"
     "before it and the bytes lost with them; line events (idle, tx-done, modem) show\n"
     "their kind instead. --json: one object per event, with the data both ways. Takes\n"
     "nothing from the receive buffer. Exits 0 after N events or on SIGINT/SIGTERM, 1\n"
     "if no event comes within MS milliseconds, if the port is unbound, or on an error."},
    {HSXCTL_UART_STATUS, "uart status", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "uart status [PORT] [--json]",
     "Show PORT, or every bound port: its tty and what bound it, its configuration,\n"
     "status bits (reading them clears the sticky error bits), modem lines, bytes\n"
     "waiting in its buffers, and its counters since it was bound."},
    {HSXCTL_CAN_MAP, "can map", 0, 2, "can map BUS IFNAME",
     "Bind BUS (0..15) to the CAN network interface IFNAME (can0, vcan0, a USB\n"
     "adapter's can1), through the admin node /dev/hsx/ctl. hsx.ko then sends and\n"
     "receives on it through the kernel's CAN core: candump and raw sockets still see\n"
     "the bus. An empty IFNAME (\"\") unbinds. Needs root (CAP_SYS_ADMIN) and buses\n"
     "that the device tree does not bind."},
    {HSXCTL_CAN_UNMAP, "can unmap", 0, 1, "can unmap BUS",
     "Unbind BUS, through the admin node /dev/hsx/ctl. Every process using it loses it\n"
     "(its calls fail, its mailboxes close). Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_CAN_SEND, "can send", HSXCTL_TAKES_TIMEOUT, 2, "can send BUS FRAME [--timeout MS]",
     "Send FRAME on BUS and wait until the interface echoes it (a controller does\n"
     "once the frame was on the wire): at most a second, or MS milliseconds. FRAME is\n"
     "written as cansend takes it: ID#DATA with an ID of 3 hex digits (standard,\n"
     "123#DEADBEEF) or 8 (extended, 12345678#11.22), ID#R or ID#R4 for a remote\n"
     "request (of 4 bytes), ID##FDATA for a CAN FD frame whose first hex digit F is\n"
     "its flags (1: bit-rate switch) and DATA 0..8, 12, 16, 20, 24, 32, 48 or 64\n"
     "bytes (123##1DEADBEEF). Bytes may be separated by '.'."},
    {HSXCTL_CAN_DUMP, "can dump",
     HSXCTL_TAKES_JSON | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "can dump [BUS] [--count N] [--timeout MS] [--json]",
     "Print the frames BUS receives (every bound bus without BUS) as candump does, one\n"
     "line each: the interface, the ID (3 or 8 hex digits), the length in brackets\n"
     "([4]; [04] for CAN FD) and the bytes in hex, or \"remote request\". Frames this\n"
     "process missed are counted on standard error. --json: one object per frame, with\n"
     "the bus, its time (CLOCK_MONOTONIC, ns), sequence number, flags (ext, rtr, fd,\n"
     "brs, esi, local) and the frames lost before it. Exits 0 after N frames or on\n"
     "SIGINT/SIGTERM, 1 if none comes within MS milliseconds, if a bus is unbound, or\n"
     "on an error."},
    {HSXCTL_CAN_STATUS, "can status", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "can status [BUS] [--json]",
     "Show BUS, or every bound bus: its interface and what bound it, the controller's\n"
     "state, error counters, bitrate and modes, and its counters since it was bound.\n"
     "Reading the status clears the errors flag for this process."},
    {HSXCTL_CAN_CONFIG, "can config", HSXCTL_TAKES_CAN_CONFIG | HSXCTL_MORE_ARGUMENTS, 2,
     "can config BUS BITRATE [loopback] [listen-only] [fd] [--data-bitrate N] [--restart-ms MS]",
     "Make BUS run at BITRATE bit/s (0: any) in exactly the modes given (and with\n"
     "--data-bitrate, its CAN FD data phase at N). hsx.ko only checks: changing an\n"
     "interface needs CAP_NET_ADMIN, so when it runs otherwise hsxd is asked to set\n"
     "it (for root, or a user whose policy gives config on BUS); when hsxd will not\n"
     "or cannot, the command says why (and, without hsxd, the ip(8) commands), and\n"
     "fails. --restart-ms: then have the controller restart by itself MS ms after it\n"
     "went bus-off (0: never; at most 3600000), asked of hsxd likewise."},
    {HSXCTL_CAN_RESTART, "can restart", 0, 1, "can restart BUS",
     "Restart BUS's controller, which is bus-off, through hsxd (as can config). Fails\n"
     "with a message when it is not bus-off, restarts by itself (restart-ms), is down,\n"
     "or has no controller (vcan)."},
    {HSXCTL_CAN_INFO, "can info", HSXCTL_TAKES_JSON, 0, "can info [--json]",
     "List the bound buses: interface, index, what bound it, and whether it carries\n"
     "CAN FD frames."},
    {HSXCTL_FRAM_MAP, "fram map", HSXCTL_TAKES_SIZE, 2, "fram map DEV NVMEM [--size N]",
     "Bind DEV (0..7) to the nvmem device NVMEM of the machine (an SPI FRAM spi0.0, an\n"
     "I2C EEPROM 0-00500, hsx-fram-sim0; see /sys/bus/nvmem/devices), through the\n"
     "admin node /dev/hsx/ctl. --size gives the part's bytes when the kernel cannot\n"
     "tell them. hsx.ko keeps the wear counts in an area at the part's end, outside\n"
     "the addresses applications see. Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_FRAM_UNMAP, "fram unmap", 0, 1, "fram unmap DEV",
     "Unbind DEV, through the admin node /dev/hsx/ctl, after writing its wear counts\n"
     "back. Every process using it loses it (its calls fail). Needs root\n"
     "(CAP_SYS_ADMIN)."},
    {HSXCTL_FRAM_INFO, "fram info", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "fram info [DEV] [--json]",
     "Show DEV, or every bound device: the nvmem device, the bytes applications see\n"
     "(SIZE), the part's (PART_SIZE), the area kept for the wear counts (RESERVED),\n"
     "bytes per wear count (BLOCK), flags (read-only; wear-volatile: counted since\n"
     "binding), and from /sys/hal/fram/DEV (root) the writes and the most worn block."},
    {HSXCTL_FRAM_READ, "fram read", HSXCTL_TAKES_JSON | HSXCTL_TAKES_RAW, 3,
     "fram read DEV ADDR LEN [--json|--raw]",
     "Read LEN bytes of DEV from ADDR and print them as xxd does (address, 16 bytes\n"
     "in hex, the printable ones as text); --json: {\"dev\":..,\"addr\":..,\"data\":HEX};\n"
     "--raw: the bytes as they are. Numbers are decimal or hex after 0x."},
    {HSXCTL_FRAM_WRITE, "fram write", HSXCTL_TAKES_TEXT | HSXCTL_TAKES_FILE | HSXCTL_REST_ARGUMENTS,
     2, "fram write DEV ADDR HEX... | --text TEXT | --file FILE",
     "Write to DEV from ADDR the bytes HEX (pairs of hex digits in one or more words,\n"
     "which spaces, ':' or '-' may separate), TEXT as it is, or the contents of FILE\n"
     "('-': standard input), and print how many were written. Each block of 256 bytes\n"
     "a write touches counts one write more ('fram wear')."},
    {HSXCTL_FRAM_WEAR, "fram wear", HSXCTL_TAKES_JSON, 2, "fram wear DEV ADDR [--json]",
     "Show the block of 256 bytes holding ADDR on DEV and how many writes touched it."},
    {HSXCTL_FRAM_RECORD_GET, "fram record get", HSXCTL_TAKES_JSON, 5,
     "fram record get DEV BASE SLOT_SIZE SLOTS ID [--json]",
     "Read the newest version of record ID in the record region of DEV at BASE, where\n"
     "each record is SLOTS slots (2..16) of SLOT_SIZE bytes (a multiple of 8, 32..4120,\n"
     "24 of them the slot's header): its sequence number, whether a slot of it failed\n"
     "its CRC (a write that was cut), and its payload as xxd prints it."},
    {HSXCTL_FRAM_RECORD_SET, "fram record set",
     HSXCTL_TAKES_TEXT | HSXCTL_TAKES_FILE | HSXCTL_REST_ARGUMENTS, 5,
     "fram record set DEV BASE SLOT_SIZE SLOTS ID HEX... | --text TEXT | --file FILE",
     "Write a new version of record ID (laid out as for 'fram record get'): HEX,\n"
     "TEXT or the contents of FILE, at most SLOT_SIZE - 24 bytes. It goes to the\n"
     "record's next slot, so a write cut anywhere leaves the previous version whole."},
    {HSXCTL_FS_MAP, "fs map", HSXCTL_TAKES_QUOTA | HSXCTL_TAKES_READ_ONLY | HSXCTL_TAKES_JSON, 2,
     "fs map ROOT|any DIR --quota-bytes N --quota-files N [--read-only] [--json]",
     "Bind ROOT (0..31; any: the first free one) to the directory DIR, through the\n"
     "admin node /dev/hsx/ctl, with quotas of N bytes and N files (a number, or with\n"
     "k, M or G: 64k, 10M, 1G). The usage already in DIR is measured first: bytes are\n"
     "the sum of its regular files' sizes, files its regular files and directories\n"
     "(symbolic links are not followed, nor other mounts entered). Every operation\n"
     "beneath the root runs with the credentials of DIR's owner. --read-only: nothing\n"
     "beneath it is changed. Prints the root. Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_FS_UNMAP, "fs unmap", 0, 1, "fs unmap ROOT",
     "Unbind ROOT, through the admin node /dev/hsx/ctl. Every handle open on it ends\n"
     "(its operations fail). Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_FS_LS, "fs ls", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 1,
     "fs ls ROOT [PATH] [--json]",
     "List the directory PATH of ROOT (default, '.' or '/': the root itself), one name\n"
     "a line, in the directory's order: its regular files and directories. PATH is\n"
     "relative to the root, as an application names it: no leading '/', no '.' or '..'\n"
     "among its names."},
    {HSXCTL_FS_CAT, "fs cat", 0, 2, "fs cat ROOT PATH",
     "Write the file PATH of ROOT to standard output."},
    {HSXCTL_FS_PUT, "fs put", HSXCTL_OPTIONAL_ARGUMENT, 2, "fs put ROOT PATH [FILE|-]",
     "Make the file PATH of ROOT hold the contents of FILE (default, or '-': standard\n"
     "input). Up to 1 MiB is written as one atomic replace: PATH holds the old\n"
     "contents or the new ones, whole, even after a power loss. A larger file is\n"
     "written in place (created, truncated, written in 1 MiB pieces, synced): if that\n"
     "fails, PATH holds what was written."},
    {HSXCTL_FS_RM, "fs rm", 0, 2, "fs rm ROOT PATH",
     "Remove the file or empty directory PATH of ROOT."},
    {HSXCTL_FS_MV, "fs mv", 0, 3, "fs mv ROOT OLD NEW",
     "Rename OLD to NEW within ROOT. A NEW that exists is replaced if it is of the same\n"
     "kind (a directory only when empty)."},
    {HSXCTL_FS_MKDIR, "fs mkdir", 0, 2, "fs mkdir ROOT PATH",
     "Create the directory PATH of ROOT (its parent must exist)."},
    {HSXCTL_FS_STAT, "fs stat", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 1,
     "fs stat ROOT [PATH] [--json]",
     "Show the type (file or directory), size and last modification (UTC) of PATH\n"
     "of ROOT (default, '.' or '/': the root itself)."},
    {HSXCTL_FS_DF, "fs df", HSXCTL_TAKES_JSON | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "fs df [ROOT] [--json]",
     "Show ROOT, or every bound root: its byte and file quotas and what is used of\n"
     "them, the handles open on it, its storage owner (uid:gid, whose credentials\n"
     "every operation beneath it runs with) and whether it is read-only."},
    {HSXCTL_CAP_LIST, "cap list", HSXCTL_TAKES_JSON, 0, "cap list [--json]",
     "List every live capability, as hsxd gets it from hsx.ko: its ID, holder (pid and\n"
     "program), module, rights, objects, time left and the capability it was derived\n"
     "from. Needs root (CAP_SYS_ADMIN); hsxd must be running."},
    {HSXCTL_CAP_GRANT, "cap grant", HSXCTL_TAKES_UID | HSXCTL_TAKES_FOR, 3,
     "cap grant --uid UID MODULE RIGHTS SELECTOR [--for DURATION]",
     "Let the processes of user UID acquire a capability from hsxd, on top of the\n"
     "policy, for DURATION (seconds, or with a unit: 90s, 15m, 2h, 1d; default 1h, at\n"
     "most 30d) or until hsxd restarts. MODULE is uart, can, timer or gpio; RIGHTS a\n"
     "list such as read,write (read, write, grant; irq for gpio; config, modem for\n"
     "uart; config for can); SELECTOR the ports (0-1), the pins (17,20-23), the number\n"
     "of timers (1..64), or CAN buses and ID ranges as one argument ('0 tx\n"
     "0x100-0x1ff rx std': see hsxctl(1)).\n"
     "Capabilities acquired under it last until it lapses at most.\n"
     "Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_CAP_REVOKE, "cap revoke", HSXCTL_TAKES_PID | HSXCTL_OPTIONAL_ARGUMENT, 0,
     "cap revoke ID | --pid PID",
     "End the capability ID, or every capability of process PID, and those derived\n"
     "from them, at once: when the command returns, no operation under them runs.\n"
     "Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_HELP, "help", 0, 0, "help [COMMAND]", "Show the help of every command, or of one."},
};

/* Commands of two words, by their first. */
static const struct {
    const char *name;
    const char *subcommands;
} groups[] = {
    {"timer", "create, cancel or list"},
    {"gpio", "get, set, toggle, config, monitor, info, map or unmap"},
    {"uart", "map, unmap, config, write, read, monitor or status"},
    {"can", "map, unmap, send, dump, status, config or info"},
    /* Before "fram record": a group's words are found one after the other. */
    {"fram", "map, unmap, info, read, write, wear or record"},
    {"fram record", "get or set"},
    {"fs", "map, unmap, ls, cat, put, rm, mv, mkdir, stat or df"},
    {"cap", "list, grant or revoke"},
};
const unsigned int hsxctl_command_count = sizeof(hsxctl_commands) / sizeof(hsxctl_commands[0]);

static unsigned int option_bit(int opt)
{
    switch (opt) {
    case OPT_JSON:
        return HSXCTL_TAKES_JSON;
    case OPT_COUNT:
        return HSXCTL_TAKES_COUNT;
    case OPT_TIMEOUT:
        return HSXCTL_TAKES_TIMEOUT;
    case OPT_ONE_SHOT:
        return HSXCTL_TAKES_ONE_SHOT;
    case OPT_HOLD:
        return HSXCTL_TAKES_HOLD;
    case OPT_MODE:
        return HSXCTL_TAKES_MODE;
    case OPT_PULL:
        return HSXCTL_TAKES_PULL;
    case OPT_DRIVE:
        return HSXCTL_TAKES_DRIVE;
    case OPT_ACTIVE_LOW:
        return HSXCTL_TAKES_ACTIVE_LOW;
    case OPT_INITIAL:
        return HSXCTL_TAKES_INITIAL;
    case OPT_DEBOUNCE:
        return HSXCTL_TAKES_DEBOUNCE;
    case OPT_EDGE:
        return HSXCTL_TAKES_EDGE;
    case OPT_UID:
        return HSXCTL_TAKES_UID;
    case OPT_FOR:
        return HSXCTL_TAKES_FOR;
    case OPT_PID:
        return HSXCTL_TAKES_PID;
    case OPT_BAUD:
        return HSXCTL_TAKES_BAUD;
    case OPT_DATA:
        return HSXCTL_TAKES_DATA;
    case OPT_PARITY:
        return HSXCTL_TAKES_PARITY;
    case OPT_STOP:
        return HSXCTL_TAKES_STOP;
    case OPT_FLOW:
        return HSXCTL_TAKES_FLOW;
    case OPT_HEX:
        return HSXCTL_TAKES_HEX;
    case OPT_TEXT:
        return HSXCTL_TAKES_TEXT;
    case OPT_FILE:
        return HSXCTL_TAKES_FILE;
    case OPT_DATA_BITRATE:
    case OPT_RESTART_MS:
        return HSXCTL_TAKES_CAN_CONFIG;
    case OPT_RAW:
        return HSXCTL_TAKES_RAW;
    case OPT_SIZE:
        return HSXCTL_TAKES_SIZE;
    case OPT_QUOTA_BYTES:
    case OPT_QUOTA_FILES:
        return HSXCTL_TAKES_QUOTA;
    case OPT_READ_ONLY:
        return HSXCTL_TAKES_READ_ONLY;
    case OPT_RS485:
    case OPT_RTS_ON_SEND:
    case OPT_RTS_AFTER_SEND:
    case OPT_DELAY_BEFORE:
    case OPT_DELAY_AFTER:
    case OPT_RX_DURING_TX:
        return HSXCTL_TAKES_RS485;
    default:
        return 0;
    }
}

const struct hsxctl_command_info *hsxctl_find_command(const char *name)
{
    for (unsigned int i = 0; i < hsxctl_command_count; i++) {
        if (strcmp(hsxctl_commands[i].name, name) == 0)
            return &hsxctl_commands[i];
    }
    return NULL;
}

bool hsxctl_is_group(const char *name)
{
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (strcmp(groups[i].name, name) == 0)
            return true;
    }
    return false;
}

int hsxctl_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    char *end;

    /* strtoull() would accept "-1" (as a huge number), " 1", "+1" and "0x1". */
    if (!text || !isdigit((unsigned char)text[0]))
        return -EINVAL;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE || parsed < min || parsed > max)
        return -ERANGE;
    *value = parsed;
    return 0;
}

/* Say what is wrong with a number hsxctl_parse_u64() or parse_hex_u64() did not take. */
static int number_result(int ret, FILE *err, const char *command, const char *what,
                         const char *text, const char *kind, uint64_t min, uint64_t max)
{
    if (ret == -EINVAL)
        fprintf(err, "hsxctl: %s: invalid %s '%s': not a non-negative %s\n", command, what, text,
                kind);
    else if (ret == -ERANGE)
        fprintf(err, "hsxctl: %s: %s '%s' is out of range (%llu..%llu)\n", command, what, text,
                (unsigned long long)min, (unsigned long long)max);
    return ret ? HSXCTL_EXIT_USAGE : HSXCTL_EXIT_OK;
}

int hsxctl_parse_number(FILE *err, const char *command, const char *what, const char *text,
                        uint64_t min, uint64_t max, uint64_t *value)
{
    return number_result(hsxctl_parse_u64(text, min, max, value), err, command, what, text,
                         "decimal integer", min, max);
}

/* hsxctl_parse_u64(), or hex digits after 0x. */
static int parse_hex_u64(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    char *end;

    if (!text || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        return hsxctl_parse_u64(text, min, max, value);
    if (!isxdigit((unsigned char)text[2]))
        return -EINVAL;
    errno = 0;
    unsigned long long parsed = strtoull(text + 2, &end, 16);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE || parsed < min || parsed > max)
        return -ERANGE;
    *value = parsed;
    return 0;
}

int hsxctl_parse_address(FILE *err, const char *command, const char *what, const char *text,
                         uint64_t min, uint64_t max, uint64_t *value)
{
    return number_result(parse_hex_u64(text, min, max, value), err, command, what, text,
                         "integer (decimal, or hex after 0x)", min, max);
}

/* An option's value that is one of a few words. */
struct word {
    const char *text;
    int value;
};

static const struct word modes[] = {
    {"input", HSX_GPIO_MODE_INPUT},
    {"output", HSX_GPIO_MODE_OUTPUT},
    {NULL, 0},
};
static const struct word pulls[] = {
    {"none", HSX_GPIO_PULL_NONE},
    {"up", HSX_GPIO_PULL_UP},
    {"down", HSX_GPIO_PULL_DOWN},
    {NULL, 0},
};
static const struct word drives[] = {
    {"push-pull", HSX_GPIO_DRIVE_PUSH_PULL},
    {"open-drain", HSX_GPIO_DRIVE_OPEN_DRAIN},
    {"open-source", HSX_GPIO_DRIVE_OPEN_SOURCE},
    {NULL, 0},
};
static const struct word edges[] = {
    {"rising", HSX_GPIO_EDGE_RISING},
    {"falling", HSX_GPIO_EDGE_FALLING},
    {"both", HSX_GPIO_EDGE_BOTH},
    {NULL, 0},
};
static const struct word parities[] = {
    {"none", HSX_UART_PARITY_NONE}, {"even", HSX_UART_PARITY_EVEN},   {"odd", HSX_UART_PARITY_ODD},
    {"mark", HSX_UART_PARITY_MARK}, {"space", HSX_UART_PARITY_SPACE}, {NULL, 0},
};
static const struct word flows[] = {
    {"none", HSX_UART_FLOW_NONE},
    {"rtscts", HSX_UART_FLOW_RTSCTS},
    {"xonxoff", HSX_UART_FLOW_XONXOFF},
    {NULL, 0},
};

static const char *word_of(const struct word *words, unsigned int value)
{
    for (; words->text; words++) {
        if ((unsigned int)words->value == value)
            return words->text;
    }
    return "?";
}

const char *hsxctl_parity_name(unsigned int parity)
{
    return word_of(parities, parity);
}

const char *hsxctl_flow_name(unsigned int flow)
{
    return word_of(flows, flow);
}

static const char *long_name(int opt);

/* The value of an option that takes one of a few words; the list ends with a NULL text. */
static int parse_word(FILE *err, const char *command, int opt, const char *text,
                      const struct word *words, int *value)
{
    size_t count = 0;

    for (; words[count].text; count++) {
        if (strcmp(words[count].text, text) == 0) {
            *value = words[count].value;
            return HSXCTL_EXIT_OK;
        }
    }
    fprintf(err, "hsxctl: %s: invalid --%s '%s': expected ", command, long_name(opt), text);
    for (size_t i = 0; i < count; i++)
        fprintf(err, "%s%s", words[i].text, i + 2 < count ? ", " : i + 1 < count ? " or " : "\n");
    return HSXCTL_EXIT_USAGE;
}

/* The options that take a value: store it in cmd. */
static int parse_value_option(int opt, const char *name, const char *arg,
                              struct hsxctl_cmdline *cmd, FILE *err)
{
    uint64_t number = 0;
    int word = 0, ret;

    switch (opt) {
    case OPT_COUNT:
        return hsxctl_parse_number(err, name, "--count", arg, 1, UINT64_MAX, &cmd->count);
    case OPT_TIMEOUT:
        /* UINT32_MAX is the library's "forever". */
        ret = hsxctl_parse_number(err, name, "--timeout", arg, 1, UINT32_MAX - 1, &number);
        cmd->timeout_ms = (uint32_t)number;
        return ret;
    case OPT_INITIAL:
        ret = hsxctl_parse_number(err, name, "--initial", arg, 0, 1, &number);
        cmd->gpio.initial_value = (uint8_t)number;
        return ret;
    case OPT_DEBOUNCE:
        ret =
            hsxctl_parse_number(err, name, "--debounce", arg, 0, HSX_GPIO_DEBOUNCE_MAX_US, &number);
        cmd->gpio.debounce_us = (uint32_t)number;
        return ret;
    case OPT_UID:
        /* (uid_t)-1 is no user. */
        ret = hsxctl_parse_number(err, name, "--uid", arg, 0, UINT32_MAX - 1, &number);
        cmd->uid = (uint32_t)number;
        return ret;
    case OPT_PID:
        ret = hsxctl_parse_number(err, name, "--pid", arg, 1, INT32_MAX, &number);
        cmd->pid = (uint32_t)number;
        return ret;
    case OPT_BAUD:
        ret = hsxctl_parse_number(err, name, "--baud", arg, 1, HSX_UART_BAUD_MAX, &number);
        cmd->uart.baud = (uint32_t)number;
        return ret;
    case OPT_DATA:
        ret = hsxctl_parse_number(err, name, "--data", arg, 5, 8, &number);
        cmd->uart.data_bits = (uint8_t)number;
        return ret;
    case OPT_STOP:
        ret = hsxctl_parse_number(err, name, "--stop", arg, 1, 2, &number);
        cmd->uart.stop_bits = (uint8_t)number;
        return ret;
    case OPT_PARITY:
        ret = parse_word(err, name, opt, arg, parities, &word);
        cmd->uart.parity = (uint8_t)word;
        return ret;
    case OPT_FLOW:
        ret = parse_word(err, name, opt, arg, flows, &word);
        cmd->uart.flow = (uint8_t)word;
        return ret;
    case OPT_DELAY_BEFORE:
    case OPT_DELAY_AFTER:
        ret = hsxctl_parse_number(
            err, name, opt == OPT_DELAY_BEFORE ? "--delay-before-ms" : "--delay-after-ms", arg, 0,
            HSXCTL_RS485_DELAY_MAX, &number);
        *(opt == OPT_DELAY_BEFORE ? &cmd->rs485.delay_before : &cmd->rs485.delay_after) =
            (uint32_t)number;
        cmd->rs485.options = true;
        return ret;
    case OPT_FILE:
        if (arg[0] == '\0') {
            fprintf(err, "hsxctl: %s: --file needs a path ('-' for standard input)\n", name);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->file = arg;
        return HSXCTL_EXIT_OK;
    case OPT_DATA_BITRATE:
        ret =
            hsxctl_parse_number(err, name, "--data-bitrate", arg, 1, HSX_CAN_BITRATE_MAX, &number);
        cmd->data_bitrate = (uint32_t)number;
        return ret;
    case OPT_RESTART_MS:
        ret =
            hsxctl_parse_number(err, name, "--restart-ms", arg, 0, HSX_CAN_RESTART_MS_MAX, &number);
        cmd->restart_ms = (uint32_t)number;
        cmd->have_restart_ms = true;
        return ret;
    case OPT_SIZE:
        ret = hsxctl_parse_address(err, name, "--size", arg, 1, HSX_FRAM_PART_MAX, &number);
        cmd->part_size = (uint32_t)number;
        return ret;
    case OPT_QUOTA_BYTES:
    case OPT_QUOTA_FILES:
        ret = hsxctl_parse_size(arg, 1, INT64_MAX, &number);
        if (ret == -EINVAL)
            fprintf(err,
                    "hsxctl: %s: invalid --%s '%s': a number, or with a unit k, M or G "
                    "(4096, 64k, 10M, 1G)\n",
                    name, long_name(opt), arg);
        else if (ret == -ERANGE)
            fprintf(err, "hsxctl: %s: --%s '%s' is out of range (1..%lld)\n", name, long_name(opt),
                    arg, (long long)INT64_MAX);
        *(opt == OPT_QUOTA_BYTES ? &cmd->quota_bytes : &cmd->quota_files) = number;
        return ret ? HSXCTL_EXIT_USAGE : HSXCTL_EXIT_OK;
    case OPT_FOR:
        ret = hsxctl_parse_duration(arg, HSXD_LIFETIME_MAX, &cmd->lifetime_s);
        if (ret == -EINVAL)
            fprintf(err,
                    "hsxctl: %s: invalid --for '%s': a number of seconds, or with a unit "
                    "s, m, h or d (90s, 15m, 2h, 1d)\n",
                    name, arg);
        else if (ret == -ERANGE)
            fprintf(err, "hsxctl: %s: --for '%s' is out of range (1s..%ud)\n", name, arg,
                    HSXD_LIFETIME_MAX / 86400);
        return ret ? HSXCTL_EXIT_USAGE : HSXCTL_EXIT_OK;
    }

    if (opt != OPT_MODE && opt != OPT_PULL && opt != OPT_DRIVE && opt != OPT_EDGE)
        return HSXCTL_EXIT_OK;
    const struct word *words = opt == OPT_MODE    ? modes
                               : opt == OPT_PULL  ? pulls
                               : opt == OPT_DRIVE ? drives
                                                  : edges;
    ret = parse_word(err, name, opt, arg, words, &word);
    if (opt == OPT_MODE)
        cmd->gpio.mode = (hsx_gpio_mode_t)word;
    else if (opt == OPT_PULL)
        cmd->gpio.pull = (hsx_gpio_pull_t)word;
    else if (opt == OPT_DRIVE)
        cmd->gpio.drive = (hsx_gpio_drive_t)word;
    else
        cmd->edge = (hsx_gpio_edge_t)word;
    return ret;
}

/* What only an output or only an input has, as hsx_gpio_configure() checks it. */
static int check_gpio_config(const char *name, const struct hsxctl_cmdline *cmd, FILE *err)
{
    const hsx_gpio_settings_t *s = &cmd->gpio;
    const bool output = s->mode == HSX_GPIO_MODE_OUTPUT;

    if (cmd->command == HSXCTL_GPIO_CONFIG && !(cmd->gpio_options & HSXCTL_TAKES_MODE)) {
        fprintf(err, "hsxctl: %s: --mode is required (input or output)\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (!output && (cmd->gpio_options & HSXCTL_TAKES_DRIVE) &&
        s->drive != HSX_GPIO_DRIVE_PUSH_PULL) {
        fprintf(err, "hsxctl: %s: --drive is for outputs (--mode output)\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (!output && (cmd->gpio_options & HSXCTL_TAKES_INITIAL)) {
        fprintf(err, "hsxctl: %s: --initial is for outputs (--mode output)\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (output && (cmd->gpio_options & HSXCTL_TAKES_DEBOUNCE)) {
        fprintf(err, "hsxctl: %s: --debounce is for inputs (--mode input)\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    return HSXCTL_EXIT_OK;
}

static const char *long_name(int opt)
{
    for (const struct option *o = options; o->name; o++) {
        if (o->val == opt)
            return o->name;
    }
    return "?";
}

/* Options and positional arguments of one command: args[0] is the command's last word. */
static int parse_command(const struct hsxctl_command_info *info, int argc, char **args,
                         struct hsxctl_cmdline *cmd, const char **positional, FILE *err)
{
    const int npositional = info->arguments;
    const int most =
        info->options & HSXCTL_REST_ARGUMENTS
            ? INT_MAX
            : npositional + (info->options & HSXCTL_OPTIONAL_ARGUMENT ? 1 : 0) +
                  (info->options & HSXCTL_MORE_ARGUMENTS ? HSXCTL_MORE_ARGUMENTS_MAX : 0);
    const char *name = info->name;
    bool have_count = false;
    int opt, ret;

    /* getopt would call "-5" an unknown option; say what it is. */
    for (int i = 1; i < argc && strcmp(args[i], "--") != 0; i++) {
        if (args[i][0] == '-' && isdigit((unsigned char)args[i][1])) {
            fprintf(err, "hsxctl: %s: negative numbers are not allowed: '%s'\n", name, args[i]);
            return HSXCTL_EXIT_USAGE;
        }
    }

    optind = 0; /* glibc: start afresh on a new argument vector */
    opterr = 0;
    while ((opt = getopt_long(argc, args, short_options, options, NULL)) != -1) {
        switch (opt) {
        case '?':
            if (optopt)
                fprintf(err, "hsxctl: %s: unknown option '-%c'\n", name, optopt);
            else
                fprintf(err, "hsxctl: %s: unknown option '%s'\n", name, args[optind - 1]);
            return HSXCTL_EXIT_USAGE;
        case ':':
            fprintf(err, "hsxctl: %s: option '--%s' needs a value\n", name, long_name(optopt));
            return HSXCTL_EXIT_USAGE;
        case OPT_HELP:
            *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP, .help_topic = name};
            return HSXCTL_EXIT_OK;
        default:
            break;
        }
        if (!(info->options & option_bit(opt))) {
            fprintf(err, "hsxctl: %s: option '--%s' does not apply to this command\n", name,
                    long_name(opt));
            return HSXCTL_EXIT_USAGE;
        }
        cmd->gpio_options |= option_bit(opt) & HSXCTL_TAKES_GPIO_CONFIG;
        cmd->cap_options |=
            option_bit(opt) & (HSXCTL_TAKES_UID | HSXCTL_TAKES_FOR | HSXCTL_TAKES_PID);
        cmd->uart_options |= option_bit(opt) & HSXCTL_TAKES_UART_CONFIG;
        switch (opt) {
        case OPT_JSON:
            cmd->json = true;
            break;
        case OPT_ONE_SHOT:
            cmd->one_shot = true;
            break;
        case OPT_HOLD:
            cmd->hold = true;
            break;
        case OPT_ACTIVE_LOW:
            cmd->gpio.active_low = true;
            break;
        case OPT_HEX:
            cmd->hex = true;
            break;
        case OPT_TEXT:
            cmd->text = true;
            break;
        case OPT_RAW:
            cmd->raw = true;
            break;
        case OPT_READ_ONLY:
            cmd->read_only = true;
            break;
        case OPT_RS485:
            cmd->rs485.enable = true;
            break;
        case OPT_RTS_ON_SEND:
        case OPT_RTS_AFTER_SEND:
        case OPT_RX_DURING_TX:
            cmd->rs485.flags |= opt == OPT_RTS_ON_SEND      ? SER_RS485_RTS_ON_SEND
                                : opt == OPT_RTS_AFTER_SEND ? SER_RS485_RTS_AFTER_SEND
                                                            : SER_RS485_RX_DURING_TX;
            cmd->rs485.options = true;
            break;
        default:
            ret = parse_value_option(opt, name, optarg, cmd, err);
            if (ret)
                return ret;
            have_count = have_count || opt == OPT_COUNT;
        }
    }

    int given = argc - optind;
    if (given < npositional || given > most) {
        if (given < npositional)
            fprintf(err, "hsxctl: %s: missing argument; usage: hsxctl %s\n", name, info->synopsis);
        else
            fprintf(err, "hsxctl: %s: unexpected argument '%s'; usage: hsxctl %s\n", name,
                    args[optind + most], info->synopsis);
        return HSXCTL_EXIT_USAGE;
    }
    for (int i = 0; i < given && i < HSXCTL_POSITIONAL_MAX; i++)
        positional[i] = args[optind + i];
    if (info->options & HSXCTL_REST_ARGUMENTS) {
        for (int i = npositional; i < given && i < HSXCTL_POSITIONAL_MAX; i++)
            positional[i] = NULL; /* not positional: the words */
        cmd->words = args + optind + npositional;
        cmd->nwords = given - npositional;
    }

    if (cmd->one_shot && have_count && cmd->count != 1) {
        fprintf(err, "hsxctl: %s: a one-shot timer expires once: --count must be 1\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (cmd->command == HSXCTL_TIMER_CREATE && cmd->one_shot)
        cmd->count = 1;
    if (cmd->command == HSXCTL_GPIO_CONFIG || cmd->command == HSXCTL_GPIO_MONITOR)
        return check_gpio_config(name, cmd, err);
    return HSXCTL_EXIT_OK;
}

/* PIN and what follows it, for the gpio commands. */
static int parse_gpio_arguments(const char *name, const char *const *positional,
                                struct hsxctl_cmdline *cmd, FILE *err)
{
    uint64_t value;
    int ret;

    if (!positional[0]) /* gpio info without PIN */
        return HSXCTL_EXIT_OK;
    ret = hsxctl_parse_number(err, name, "PIN", positional[0], 0, HSX_GPIO_MAX_PINS - 1, &value);
    cmd->pin = (uint8_t)value;
    cmd->have_pin = true;
    if (ret || cmd->command == HSXCTL_GPIO_INFO)
        return ret;

    switch (cmd->command) {
    case HSXCTL_GPIO_SET:
        ret = hsxctl_parse_number(err, name, "VALUE", positional[1], 0, 1, &value);
        cmd->value = (uint8_t)value;
        return ret;
    case HSXCTL_GPIO_MAP:
        if (positional[1][0] == '\0' || strlen(positional[1]) >= HSX_GPIO_LABEL_MAX) {
            fprintf(err, "hsxctl: %s: a chip label has 1 to %d characters\n", name,
                    HSX_GPIO_LABEL_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->chip = positional[1];
        ret = hsxctl_parse_number(err, name, "OFFSET", positional[2], 0, UINT32_MAX, &value);
        cmd->offset = (uint32_t)value;
        return ret;
    default:
        return HSXCTL_EXIT_OK;
    }
}

long hsxctl_parse_hex(const char *text, uint8_t *out, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    long count = 0;

    for (const char *s = text; *s;) {
        if (isspace((unsigned char)*s) || *s == ':' || *s == '-') {
            s++;
            continue;
        }
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
            return -EINVAL;
        if (out && (size_t)count < size)
            out[count] = (uint8_t)((strchr(digits, tolower((unsigned char)s[0])) - digits) << 4 |
                                   (strchr(digits, tolower((unsigned char)s[1])) - digits));
        count++;
        s += 2;
    }
    return count;
}

bool hsxctl_name_ok(const char *name, size_t max)
{
    size_t len = strlen(name);

    if (len == 0 || len >= max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
            return false;
    }
    return true;
}

/*
 * uart map's RS-485 options: only with --rs485 and a tty to bind, one RTS
 * polarity (RTS high while sending when none is given).
 */
static int check_rs485(const char *name, struct hsxctl_cmdline *cmd, FILE *err)
{
    struct hsxctl_rs485 *r = &cmd->rs485;
    const uint32_t both = SER_RS485_RTS_ON_SEND | SER_RS485_RTS_AFTER_SEND;

    if (!r->enable && r->options) {
        fprintf(err, "hsxctl: %s: the RS-485 options need --rs485\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (!r->enable)
        return HSXCTL_EXIT_OK;
    if (cmd->tty[0] == '\0') {
        fprintf(err, "hsxctl: %s: --rs485 is for binding a tty, not for unbinding\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if ((r->flags & both) == both) {
        fprintf(err, "hsxctl: %s: give --rts-on-send or --rts-after-send, not both\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (!(r->flags & both))
        r->flags |= SER_RS485_RTS_ON_SEND;
    return HSXCTL_EXIT_OK;
}

/* TTY of uart map, the data of uart write, and what goes together. */
static int check_uart_command(const char *name, const char *const *positional,
                              struct hsxctl_cmdline *cmd, FILE *err)
{
    switch (cmd->command) {
    case HSXCTL_UART_MAP: {
        const char *tty = positional[1];
        if (strncmp(tty, "/dev/", 5) == 0)
            tty += 5;
        /* An empty name unbinds; "/dev/" alone is no name. */
        if ((positional[1][0] != '\0' || tty != positional[1]) &&
            !hsxctl_name_ok(tty, HSX_UART_TTY_NAME_MAX)) {
            fprintf(err,
                    "hsxctl: %s: invalid TTY '%s': a tty's name (ttyS1) has 1 to %d letters, "
                    "digits, '_', '.' or '-'\n",
                    name, positional[1], HSX_UART_TTY_NAME_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->tty = tty;
        return check_rs485(name, cmd, err);
    }
    case HSXCTL_UART_WRITE: {
        const bool have_data = positional[1] != NULL, have_file = cmd->file != NULL;
        if (cmd->hex && !have_data) {
            fprintf(err, "hsxctl: %s: --hex needs the bytes: hsxctl uart write PORT --hex HEX\n",
                    name);
            return HSXCTL_EXIT_USAGE;
        }
        if (have_data == have_file) {
            fprintf(err, "hsxctl: %s: give TEXT, --hex HEX or --file FILE%s; usage: hsxctl %s\n",
                    name, have_data ? ", not both" : "",
                    "uart write PORT TEXT | --hex HEX | --file FILE");
            return HSXCTL_EXIT_USAGE;
        }
        if (cmd->hex && hsxctl_parse_hex(positional[1], NULL, 0) <= 0) {
            fprintf(err,
                    "hsxctl: %s: invalid HEX '%s': pairs of hex digits (48656c6c6f), which "
                    "spaces, ':' or '-' may separate\n",
                    name, positional[1]);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->data = positional[1];
        return HSXCTL_EXIT_OK;
    }
    case HSXCTL_UART_MONITOR:
        if (cmd->hex && cmd->text) {
            fprintf(err, "hsxctl: %s: --hex or --text, not both\n", name);
            return HSXCTL_EXIT_USAGE;
        }
        return HSXCTL_EXIT_OK;
    default:
        return HSXCTL_EXIT_OK;
    }
}

/* PORT and what follows it, for the uart commands. */
static int parse_uart_arguments(const char *name, const char *const *positional,
                                struct hsxctl_cmdline *cmd, FILE *err)
{
    uint64_t value;

    if (!positional[0]) /* uart status without PORT */
        return HSXCTL_EXIT_OK;
    int ret =
        hsxctl_parse_number(err, name, "PORT", positional[0], 0, HSX_UART_MAX_PORTS - 1, &value);
    if (ret)
        return ret;
    cmd->port = (uint8_t)value;
    cmd->have_port = true;
    return check_uart_command(name, positional, cmd, err);
}

/* A unit a number may end with, and what it multiplies the number by; a list ends with '\0'. */
struct unit {
    char letter;
    uint64_t scale;
};

/* A decimal number, optionally followed by one of units' letters, in min..max once scaled. */
static int parse_scaled(const char *text, const struct unit *units, uint64_t min, uint64_t max,
                        uint64_t *value)
{
    char digits[24];
    uint64_t scale = 1, number;
    size_t len = text ? strlen(text) : 0;

    if (len == 0 || len >= sizeof(digits))
        return -EINVAL;
    memcpy(digits, text, len + 1);
    for (; units->letter; units++) {
        if (digits[len - 1] == units->letter) {
            scale = units->scale;
            digits[--len] = '\0';
            break;
        }
    }
    int ret = hsxctl_parse_u64(digits, 0, max, &number);
    if (ret < 0)
        return ret;
    if (number > max / scale || number * scale < min)
        return -ERANGE;
    *value = number * scale;
    return 0;
}

int hsxctl_parse_duration(const char *text, uint32_t max_s, uint32_t *seconds)
{
    static const struct unit units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {0, 0}};
    uint64_t value;
    int ret = parse_scaled(text, units, 1, max_s, &value);

    if (ret == 0)
        *seconds = (uint32_t)value;
    return ret;
}

int hsxctl_parse_size(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    static const struct unit units[] = {
        {'k', 1u << 10}, {'K', 1u << 10}, {'M', 1u << 20}, {'G', 1u << 30}, {0, 0}};

    return parse_scaled(text, units, min, max, value);
}

/* MODULE RIGHTS SELECTOR of cap grant, ID of cap revoke. */
static int parse_cap_arguments(const char *name, const char *const *positional,
                               struct hsxctl_cmdline *cmd, FILE *err)
{
    char why[128];
    uint64_t value;

    if (cmd->command == HSXCTL_CAP_REVOKE) {
        const bool by_pid = cmd->cap_options & HSXCTL_TAKES_PID;
        if (by_pid == (positional[0] != NULL)) {
            fprintf(err, "hsxctl: %s: give a capability ID or --pid PID%s; usage: hsxctl %s\n",
                    name, by_pid ? ", not both" : "", "cap revoke ID | --pid PID");
            return HSXCTL_EXIT_USAGE;
        }
        if (by_pid)
            return HSXCTL_EXIT_OK;
        int ret = hsxctl_parse_number(err, name, "ID", positional[0], 1, UINT64_MAX, &value);
        cmd->cap_id = value;
        return ret;
    }
    if (cmd->command != HSXCTL_CAP_GRANT)
        return HSXCTL_EXIT_OK;
    if (!(cmd->cap_options & HSXCTL_TAKES_UID)) {
        fprintf(err, "hsxctl: %s: --uid is required: whose processes may acquire it\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    const struct hsx_umodule *m = capspec_module_by_name(positional[0]);
    if (!m) {
        char modules[128];
        fprintf(err, "hsxctl: %s: %s module '%s' (expected %s)\n", name,
                hsx_umod_is_future(positional[0]) ? "no capabilities yet for the" : "unknown",
                positional[0], capspec_module_list(modules, sizeof(modules)));
        return HSXCTL_EXIT_USAGE;
    }
    cmd->module = m->id;
    if (hsx_umod_parse_rights(m, positional[1], &cmd->rights, why, sizeof(why)) < 0) {
        fprintf(err, "hsxctl: %s: invalid RIGHTS: %s\n", name, why);
        return HSXCTL_EXIT_USAGE;
    }
    if (hsx_umod_sel_parse(m, positional[2], &cmd->sel, why, sizeof(why)) < 0) {
        fprintf(err, "hsxctl: %s: invalid SELECTOR: %s\n", name, why);
        return HSXCTL_EXIT_USAGE;
    }
    if (!(cmd->cap_options & HSXCTL_TAKES_FOR))
        cmd->lifetime_s = 3600;
    return HSXCTL_EXIT_OK;
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

int hsxctl_fs_path_check(const char *path, const char **why)
{
    const size_t len = strlen(path);

    if (len > HSX_FS_PATH_MAX) {
        *why = "longer than " STRINGIFY(HSX_FS_PATH_MAX) " bytes";
        return -ENAMETOOLONG;
    }
    if (path[0] == '/') {
        *why = "it is relative to the root: no leading '/'";
        return -EINVAL;
    }
    for (const char *c = path; len && *c;) {
        const size_t n = strcspn(c, "/");
        if (n == 0) {
            *why = c[0] ? "an empty name between two '/'" : "a trailing '/'";
            return -EINVAL;
        }
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            *why = "'.' and '..' are not names: a path stays beneath its root";
            return -EINVAL;
        }
        if (n > HSX_FS_NAME_MAX) {
            *why = "a name longer than " STRINGIFY(HSX_FS_NAME_MAX) " bytes";
            return -ENAMETOOLONG;
        }
        if (strncmp(c, HSX_FS_TMP_PREFIX, strlen(HSX_FS_TMP_PREFIX)) == 0) {
            *why = "names starting with " HSX_FS_TMP_PREFIX " are hsx's own";
            return -EINVAL;
        }
        for (size_t i = 0; i < n;) {
            const unsigned char *u = (const unsigned char *)c + i;
            const size_t ulen = hsxctl_utf8_length(u);
            if (ulen == 0 || i + ulen > n) {
                *why = "a name that is not UTF-8";
                return -EILSEQ;
            }
            if (u[0] < 0x20 || u[0] == 0x7f) {
                *why = "a control character";
                return -EILSEQ;
            }
            i += ulen;
        }
        c += n;
        if (*c == '/' && *++c == '\0') {
            *why = "a trailing '/'";
            return -EINVAL;
        }
    }
    return 0;
}

/*
 * A PATH of the fs commands (what: which argument). One that is optional (ls,
 * stat) may be left out, or be "." or "/": the root itself, "".
 */
static int fs_path(const char *name, const char *what, const char *text, bool optional,
                   const char **path, FILE *err)
{
    const char *why = NULL;
    int ret;

    *path = text ? text : "";
    if (optional && (strcmp(*path, ".") == 0 || strcmp(*path, "/") == 0))
        *path = "";
    if (!optional && (*path)[0] == '\0') {
        fprintf(err, "hsxctl: %s: %s is empty: name a file or directory beneath the root\n", name,
                what);
        return HSXCTL_EXIT_USAGE;
    }
    ret = hsxctl_fs_path_check(*path, &why);
    if (ret == 0)
        return HSXCTL_EXIT_OK;
    /* A path that is not text, or too long to read, is not shown. */
    if (ret == -EILSEQ || ret == -ENAMETOOLONG)
        fprintf(err, "hsxctl: %s: invalid %s: %s\n", name, what, why);
    else
        fprintf(err, "hsxctl: %s: invalid %s '%s': %s\n", name, what, *path, why);
    return HSXCTL_EXIT_USAGE;
}

/* ROOT and what follows it, for the fs commands. */
static int parse_fs_arguments(const char *name, const char *const *positional,
                              struct hsxctl_cmdline *cmd, FILE *err)
{
    uint64_t value = 0;

    if (!positional[0]) /* fs df without ROOT */
        return HSXCTL_EXIT_OK;
    if (cmd->command == HSXCTL_FS_MAP && strcmp(positional[0], "any") == 0)
        cmd->any_root = true;
    else if (hsxctl_parse_number(err, name, "ROOT", positional[0], 0, HSX_FS_MAX_ROOTS - 1, &value))
        return HSXCTL_EXIT_USAGE;
    cmd->root = (uint8_t)value;
    cmd->have_root = true;

    switch (cmd->command) {
    case HSXCTL_FS_MAP:
        if (positional[1][0] == '\0') {
            fprintf(err, "hsxctl: %s: DIR is empty: name the directory to bind\n", name);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->dir = positional[1];
        if (!cmd->quota_bytes || !cmd->quota_files) {
            fprintf(err, "hsxctl: %s: --%s is required; usage: hsxctl %s\n", name,
                    cmd->quota_bytes ? "quota-files" : "quota-bytes",
                    hsxctl_find_command(name)->synopsis);
            return HSXCTL_EXIT_USAGE;
        }
        return HSXCTL_EXIT_OK;
    case HSXCTL_FS_LS:
    case HSXCTL_FS_STAT:
        return fs_path(name, "PATH", positional[1], true, &cmd->path, err);
    case HSXCTL_FS_MV:
        if (fs_path(name, "OLD", positional[1], false, &cmd->path, err))
            return HSXCTL_EXIT_USAGE;
        return fs_path(name, "NEW", positional[2], false, &cmd->path2, err);
    case HSXCTL_FS_PUT:
        if (positional[2] && positional[2][0] == '\0') {
            fprintf(err, "hsxctl: %s: FILE is empty: name a file, or '-' for standard input\n",
                    name);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->file = positional[2];
        return fs_path(name, "PATH", positional[1], false, &cmd->path, err);
    case HSXCTL_FS_CAT:
    case HSXCTL_FS_RM:
    case HSXCTL_FS_MKDIR:
        return fs_path(name, "PATH", positional[1], false, &cmd->path, err);
    default:
        return HSXCTL_EXIT_OK;
    }
}

static int parse_help(int argc, char **argv, int first, struct hsxctl_cmdline *cmd, FILE *err)
{
    char topic[64];

    *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP};
    if (first >= argc)
        return HSXCTL_EXIT_OK;
    /* Three words only after a group of groups ("fram record get"). */
    for (int i = first; i < argc; i++) {
        size_t len = i > first ? strlen(topic) : 0;
        if (i - first == 2 && !hsxctl_is_group(topic))
            len = sizeof(topic);
        if (i - first > 2 || len >= sizeof(topic) ||
            snprintf(topic + len, sizeof(topic) - len, "%s%s", len ? " " : "", argv[i]) >=
                (int)(sizeof(topic) - len)) {
            fprintf(err, "hsxctl: help: too many arguments\n");
            return HSXCTL_EXIT_USAGE;
        }
    }
    /* "timer" alone is the group of timer commands. */
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (strcmp(topic, groups[i].name) == 0) {
            cmd->help_topic = groups[i].name;
            return HSXCTL_EXIT_OK;
        }
    }
    const struct hsxctl_command_info *info = hsxctl_find_command(topic);
    if (!info) {
        fprintf(err, "hsxctl: help: unknown command '%s'\n", topic);
        return HSXCTL_EXIT_USAGE;
    }
    cmd->help_topic = info->name;
    return HSXCTL_EXIT_OK;
}

int hsxctl_parse(int argc, char **argv, struct hsxctl_cmdline *cmd, FILE *err)
{
    static const struct option global_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *positional[HSXCTL_POSITIONAL_MAX] = {NULL};
    uint64_t value;
    int opt, ret;

    *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP, .edge = HSX_GPIO_EDGE_BOTH};
    optind = 0;
    opterr = 0;
    /* "+": stop at the command; what follows is the command's. */
    while ((opt = getopt_long(argc, argv, "+hV", global_options, NULL)) != -1) {
        if (opt == 'h')
            return HSXCTL_EXIT_OK;
        if (opt == 'V') {
            cmd->command = HSXCTL_VERSION;
            return HSXCTL_EXIT_OK;
        }
        if (optopt)
            fprintf(err, "hsxctl: unknown option '-%c'\n", optopt);
        else
            fprintf(err, "hsxctl: unknown option '%s'\n", argv[optind - 1]);
        return HSXCTL_EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(err, "hsxctl: no command given; see 'hsxctl --help'\n");
        return HSXCTL_EXIT_USAGE;
    }

    int first = optind;
    const char *word = argv[first];
    char name[32];

    if (strcmp(word, "help") == 0)
        return parse_help(argc, argv, first + 1, cmd, err);
    snprintf(name, sizeof(name), "%s", word);
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (strcmp(name, groups[i].name) != 0)
            continue;
        const char *sub = first + 1 < argc ? argv[first + 1] : NULL;
        if (!sub || sub[0] == '-') {
            fprintf(err, "hsxctl: %s: missing subcommand (%s)\n", name, groups[i].subcommands);
            return HSXCTL_EXIT_USAGE;
        }
        size_t len = strlen(name);
        if (snprintf(name + len, sizeof(name) - len, " %s", sub) >= (int)(sizeof(name) - len)) {
            fprintf(err, "hsxctl: unknown command '%s %s'; see 'hsxctl --help'\n", groups[i].name,
                    sub);
            return HSXCTL_EXIT_USAGE;
        }
        first++;
    }
    const struct hsxctl_command_info *info = hsxctl_find_command(name);
    if (!info || info->command == HSXCTL_HELP) {
        fprintf(err, "hsxctl: unknown command '%s'; see 'hsxctl --help'\n", name);
        return HSXCTL_EXIT_USAGE;
    }

    cmd->command = info->command;
    ret = parse_command(info, argc - first, argv + first, cmd, positional, err);
    if (ret != HSXCTL_EXIT_OK || cmd->command == HSXCTL_HELP)
        return ret;

    switch (cmd->command) {
    case HSXCTL_TIMER_CREATE:
        ret = hsxctl_parse_number(err, name, "PERIOD_US", positional[0], HSX_TIMER_PERIOD_MIN_US,
                                  HSX_TIMER_PERIOD_MAX_US, &value);
        cmd->period_us = (uint32_t)value;
        return ret;
    case HSXCTL_TIMER_CANCEL:
        ret = hsxctl_parse_number(err, name, "ID", positional[0], 1, HSX_TIMER_ID_MAX, &value);
        cmd->timer_id = (uint32_t)value;
        return ret;
    case HSXCTL_LISTEN:
        if (positional[0][0] == '\0' || strlen(positional[0]) >= HSX_MBOX_NAME_MAX) {
            fprintf(err, "hsxctl: listen: a mailbox name has 1 to %d characters\n",
                    HSX_MBOX_NAME_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->mailbox = positional[0];
        return HSXCTL_EXIT_OK;
    case HSXCTL_GPIO_GET:
    case HSXCTL_GPIO_SET:
    case HSXCTL_GPIO_TOGGLE:
    case HSXCTL_GPIO_CONFIG:
    case HSXCTL_GPIO_MONITOR:
    case HSXCTL_GPIO_INFO:
    case HSXCTL_GPIO_MAP:
    case HSXCTL_GPIO_UNMAP:
        return parse_gpio_arguments(name, positional, cmd, err);
    case HSXCTL_UART_MAP:
    case HSXCTL_UART_UNMAP:
    case HSXCTL_UART_CONFIG:
    case HSXCTL_UART_WRITE:
    case HSXCTL_UART_READ:
    case HSXCTL_UART_MONITOR:
    case HSXCTL_UART_STATUS:
        return parse_uart_arguments(name, positional, cmd, err);
    case HSXCTL_CAN_MAP:
    case HSXCTL_CAN_UNMAP:
    case HSXCTL_CAN_SEND:
    case HSXCTL_CAN_DUMP:
    case HSXCTL_CAN_STATUS:
    case HSXCTL_CAN_CONFIG:
    case HSXCTL_CAN_RESTART:
        return hsxctl_parse_can_arguments(name, positional, cmd, err);
    case HSXCTL_FRAM_MAP:
    case HSXCTL_FRAM_UNMAP:
    case HSXCTL_FRAM_INFO:
    case HSXCTL_FRAM_READ:
    case HSXCTL_FRAM_WRITE:
    case HSXCTL_FRAM_WEAR:
    case HSXCTL_FRAM_RECORD_GET:
    case HSXCTL_FRAM_RECORD_SET:
        return hsxctl_parse_fram_arguments(name, positional, cmd, err);
    case HSXCTL_FS_MAP:
    case HSXCTL_FS_UNMAP:
    case HSXCTL_FS_LS:
    case HSXCTL_FS_CAT:
    case HSXCTL_FS_PUT:
    case HSXCTL_FS_RM:
    case HSXCTL_FS_MV:
    case HSXCTL_FS_MKDIR:
    case HSXCTL_FS_STAT:
    case HSXCTL_FS_DF:
        return parse_fs_arguments(name, positional, cmd, err);
    case HSXCTL_CAP_GRANT:
    case HSXCTL_CAP_REVOKE:
        return parse_cap_arguments(name, positional, cmd, err);
    default:
        return HSXCTL_EXIT_OK;
    }
}
