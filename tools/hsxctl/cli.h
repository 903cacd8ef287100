/* SPDX-License-Identifier: MIT */
/*
 * hsxctl's command line: what the user asked for, checked completely before
 * anything is done. Kept free of libhsx_hal calls so the unit tests can link
 * it alone.
 */
#ifndef HSXCTL_CLI_H
#define HSXCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hsx_can.h"
#include "hsx_fram.h"
#include "hsx_gpio.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"

/* Exit statuses. */
#define HSXCTL_EXIT_OK 0
#define HSXCTL_EXIT_FAILURE 1 /* the command ran and failed */
#define HSXCTL_EXIT_USAGE 2   /* the command line was wrong; nothing was done */

enum hsxctl_command {
    HSXCTL_HELP,
    HSXCTL_VERSION,
    HSXCTL_STATUS,
    HSXCTL_TIMER_CREATE,
    HSXCTL_TIMER_CANCEL,
    HSXCTL_TIMER_LIST,
    HSXCTL_LISTEN,
    HSXCTL_GPIO_GET,
    HSXCTL_GPIO_SET,
    HSXCTL_GPIO_TOGGLE,
    HSXCTL_GPIO_CONFIG,
    HSXCTL_GPIO_MONITOR,
    HSXCTL_GPIO_INFO,
    HSXCTL_GPIO_MAP,
    HSXCTL_GPIO_UNMAP,
    HSXCTL_UART_MAP,
    HSXCTL_UART_UNMAP,
    HSXCTL_UART_CONFIG,
    HSXCTL_UART_WRITE,
    HSXCTL_UART_READ,
    HSXCTL_UART_MONITOR,
    HSXCTL_UART_STATUS,
    HSXCTL_CAN_MAP,
    HSXCTL_CAN_UNMAP,
    HSXCTL_CAN_SEND,
    HSXCTL_CAN_DUMP,
    HSXCTL_CAN_STATUS,
    HSXCTL_CAN_CONFIG,
    HSXCTL_CAN_RESTART,
    HSXCTL_CAN_INFO,
    HSXCTL_FRAM_MAP,
    HSXCTL_FRAM_UNMAP,
    HSXCTL_FRAM_INFO,
    HSXCTL_FRAM_READ,
    HSXCTL_FRAM_WRITE,
    HSXCTL_FRAM_WEAR,
    HSXCTL_FRAM_RECORD_GET,
    HSXCTL_FRAM_RECORD_SET,
    HSXCTL_FS_MAP,
    HSXCTL_FS_UNMAP,
    HSXCTL_FS_LS,
    HSXCTL_FS_CAT,
    HSXCTL_FS_PUT,
    HSXCTL_FS_RM,
    HSXCTL_FS_MV,
    HSXCTL_FS_MKDIR,
    HSXCTL_FS_STAT,
    HSXCTL_FS_DF,
    HSXCTL_CAP_LIST,
    HSXCTL_CAP_GRANT,
    HSXCTL_CAP_REVOKE,
};

/*
 * uart map --rs485: what to ask of the tty's driver (TIOCSRS485) before
 * binding. The flags are SER_RS485_* of <linux/serial.h>.
 */
struct hsxctl_rs485 {
    bool enable;           /* --rs485 */
    uint32_t flags;        /* SER_RS485_RTS_ON_SEND or _AFTER_SEND, SER_RS485_RX_DURING_TX */
    uint32_t delay_before; /* --delay-before-ms */
    uint32_t delay_after;  /* --delay-after-ms */
    bool options;          /* any of them but --rs485 was given */
};

struct hsxctl_cmdline {
    enum hsxctl_command command;
    bool json;
    const char *help_topic; /* HSXCTL_HELP: "timer create", "gpio", ...; NULL for all */

    uint32_t period_us; /* timer create */
    bool one_shot;
    uint32_t timer_id;   /* timer cancel */
    const char *mailbox; /* listen */
    uint64_t count;      /* timer create, listen, gpio monitor: events before exiting; 0 = all */
    uint32_t timeout_ms; /* listen, gpio monitor: fail after this long without one; 0 = never */

    uint8_t pin;               /* gpio */
    bool have_pin;             /* gpio info: PIN was given */
    uint8_t value;             /* gpio set */
    bool hold;                 /* gpio set, config: stay until SIGINT/SIGTERM */
    hsx_gpio_settings_t gpio;  /* gpio config, monitor */
    unsigned int gpio_options; /* which of --mode ... --debounce were given (HSXCTL_TAKES_*) */
    hsx_gpio_edge_t edge;      /* gpio monitor */
    const char *chip;          /* gpio map */
    uint32_t offset;           /* gpio map */

    uint8_t port;              /* uart */
    bool have_port;            /* uart status: PORT was given */
    const char *tty;           /* uart map: the tty's name without /dev/; "" unbinds */
    hsx_uart_settings_t uart;  /* uart config: the values given (see uart_options) */
    unsigned int uart_options; /* which of --baud ... --flow were given (HSXCTL_TAKES_*) */
    const char *data;          /* uart write: TEXT, or HEX with --hex */
    const char *file;          /* uart write --file: a path, "-" for standard input */
    bool hex;                  /* uart write: data is hex; read, monitor: print hex */
    bool text;                 /* uart monitor --text */
    struct hsxctl_rs485 rs485; /* uart map --rs485 ... */

    uint8_t bus;              /* can */
    bool have_bus;            /* can dump, status: BUS was given */
    const char *ifname;       /* can map: the interface; "" unbinds */
    hsx_can_fd_frame_t frame; /* can send */
    uint32_t bitrate;         /* can config: bit/s, 0 for any */
    uint32_t data_bitrate;    /* can config --data-bitrate: the FD data phase's, 0 for any */
    uint32_t can_mode;        /* can config: HSX_CAN_MODE_* */
    bool have_restart_ms;     /* can config --restart-ms was given */
    uint32_t restart_ms;      /* ... its delay, 0: no automatic restart */

    uint8_t dev;        /* fram */
    bool have_dev;      /* fram info: DEV was given */
    const char *nvmem;  /* fram map: the nvmem device's name */
    uint32_t part_size; /* fram map --size: the part's bytes, 0 to ask the kernel */
    uint32_t addr;      /* fram read, write, wear */
    uint32_t len;       /* fram read */
    bool raw;           /* fram read --raw: the bytes as they are */
    uint32_t base;      /* fram record: the layout */
    uint32_t slot_size; /* fram record */
    uint32_t slots;     /* fram record */
    uint32_t record_id; /* fram record */
    char *const *words; /* fram write, record set: the data's words (HEX..., or TEXT) */
    int nwords;         /* how many */
    uint32_t data_len;  /* fram write, record set: bytes in words (not with --file) */

    uint8_t root;         /* fs */
    bool have_root;       /* fs df: ROOT was given */
    bool any_root;        /* fs map any: the first free root */
    const char *dir;      /* fs map: the directory */
    uint64_t quota_bytes; /* fs map --quota-bytes (0: not given) */
    uint64_t quota_files; /* fs map --quota-files (0: not given) */
    bool read_only;       /* fs map --read-only */
    const char *path;     /* fs: PATH in the root, "" for the root itself; put's FILE: file */
    const char *path2;    /* fs mv: the new name */

    unsigned int cap_options;   /* which of --uid, --for, --pid were given (HSXCTL_TAKES_*) */
    uint32_t uid;               /* cap grant */
    uint32_t module;            /* cap grant: HSX_MODULE_* */
    uint32_t rights;            /* cap grant: HSX_CAP_R_* */
    union hsx_cap_selector sel; /* cap grant */
    uint32_t lifetime_s;        /* cap grant --for */
    uint64_t cap_id;            /* cap revoke ID */
    uint32_t pid;               /* cap revoke --pid */
};

/* Options a command may take. */
#define HSXCTL_TAKES_JSON (1u << 0)
#define HSXCTL_TAKES_COUNT (1u << 1)
#define HSXCTL_TAKES_TIMEOUT (1u << 2)
#define HSXCTL_TAKES_ONE_SHOT (1u << 3)
#define HSXCTL_TAKES_HOLD (1u << 4)
#define HSXCTL_TAKES_MODE (1u << 5)
#define HSXCTL_TAKES_PULL (1u << 6)
#define HSXCTL_TAKES_DRIVE (1u << 7)
#define HSXCTL_TAKES_ACTIVE_LOW (1u << 8)
#define HSXCTL_TAKES_INITIAL (1u << 9)
#define HSXCTL_TAKES_DEBOUNCE (1u << 10)
#define HSXCTL_TAKES_EDGE (1u << 11)
#define HSXCTL_TAKES_UID (1u << 12)
#define HSXCTL_TAKES_FOR (1u << 13)
#define HSXCTL_TAKES_PID (1u << 14)
/* Not an option: one more positional argument may follow the required ones. */
#define HSXCTL_OPTIONAL_ARGUMENT (1u << 15)
#define HSXCTL_TAKES_BAUD (1u << 16)
#define HSXCTL_TAKES_DATA (1u << 17)
#define HSXCTL_TAKES_PARITY (1u << 18)
#define HSXCTL_TAKES_STOP (1u << 19)
#define HSXCTL_TAKES_FLOW (1u << 20)
#define HSXCTL_TAKES_HEX (1u << 21)
#define HSXCTL_TAKES_TEXT (1u << 22)
#define HSXCTL_TAKES_FILE (1u << 23)
/* can config: --data-bitrate and --restart-ms */
#define HSXCTL_TAKES_CAN_CONFIG (1u << 24)
/* Not an option: up to HSXCTL_MORE_ARGUMENTS_MAX more positional arguments may follow. */
#define HSXCTL_MORE_ARGUMENTS (1u << 25)
#define HSXCTL_MORE_ARGUMENTS_MAX 3
#define HSXCTL_TAKES_RAW (1u << 26)
#define HSXCTL_TAKES_SIZE (1u << 27)
/* Not an option: any number of words may follow the required ones (cmd->words). */
#define HSXCTL_REST_ARGUMENTS (1u << 28)
#define HSXCTL_TAKES_QUOTA (1u << 29) /* --quota-bytes and --quota-files */
#define HSXCTL_TAKES_READ_ONLY (1u << 30)
/* --rs485, --rts-on-send, --rts-after-send, --delay-before-ms, --delay-after-ms, --rx-during-tx */
#define HSXCTL_TAKES_RS485 (1u << 31)
/* The most positional arguments a command takes (besides HSXCTL_REST_ARGUMENTS' words). */
#define HSXCTL_POSITIONAL_MAX 6
/* The options that configure a pin. */
#define HSXCTL_TAKES_GPIO_CONFIG                                                                   \
    (HSXCTL_TAKES_MODE | HSXCTL_TAKES_PULL | HSXCTL_TAKES_DRIVE | HSXCTL_TAKES_ACTIVE_LOW |        \
     HSXCTL_TAKES_INITIAL | HSXCTL_TAKES_DEBOUNCE)

/* The options that configure a UART port. */
#define HSXCTL_TAKES_UART_CONFIG                                                                   \
    (HSXCTL_TAKES_BAUD | HSXCTL_TAKES_DATA | HSXCTL_TAKES_PARITY | HSXCTL_TAKES_STOP |             \
     HSXCTL_TAKES_FLOW)

/* One entry per command, in the order of the help text. */
struct hsxctl_command_info {
    enum hsxctl_command command;
    const char *name; /* "timer create" */
    unsigned int options;
    int arguments; /* positional arguments */
    const char *synopsis;
    const char *help;
};

extern const struct hsxctl_command_info hsxctl_commands[];
extern const unsigned int hsxctl_command_count;

/*
 * Parse argv. Returns HSXCTL_EXIT_OK with *cmd filled, or HSXCTL_EXIT_USAGE
 * after printing what is wrong to err.
 */
int hsxctl_parse(int argc, char **argv, struct hsxctl_cmdline *cmd, FILE *err);

/*
 * A decimal number in min..max: digits only (no sign, space or base prefix).
 * Returns 0, -EINVAL if text is not a number, or -ERANGE if it is out of range.
 */
int hsxctl_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/*
 * A duration: seconds, or a number with a unit s, m, h or d ("90", "15m",
 * "2h"), 1 s..max_s. Returns 0, -EINVAL if text is not one, or -ERANGE.
 */
int hsxctl_parse_duration(const char *text, uint32_t max_s, uint32_t *seconds);

/*
 * A decimal number in min..max for the argument or option what of command:
 * HSXCTL_EXIT_OK, or HSXCTL_EXIT_USAGE after saying what is wrong on err.
 */
int hsxctl_parse_number(FILE *err, const char *command, const char *what, const char *text,
                        uint64_t min, uint64_t max, uint64_t *value);

/*
 * A frame as cansend takes it (cli_can.c): "123#DEADBEEF" (3 hex digits: a
 * standard ID, 8: an extended one; bytes may be separated by '.'), "123#R",
 * "123#R4" (a remote request of 4 bytes), "123##1DEADBEEF" (CAN FD, its first
 * hex digit the flags: 1 is the bit-rate switch). Returns 0, or -EINVAL with
 * *why saying what is wrong.
 */
int hsxctl_parse_can_frame(const char *text, hsx_can_fd_frame_t *frame, const char **why);

/*
 * A number in min..max for the argument or option what of command, in
 * decimal or in hex after 0x ("4096", "0x1000"): HSXCTL_EXIT_OK, or
 * HSXCTL_EXIT_USAGE after saying what is wrong on err.
 */
int hsxctl_parse_address(FILE *err, const char *command, const char *what, const char *text,
                         uint64_t min, uint64_t max, uint64_t *value);

/* A device's name as hsx.ko takes it (ttyS1, spi0.0): 1..max-1 letters, digits, '_', '.', '-'. */
bool hsxctl_name_ok(const char *name, size_t max);

/* The fram commands' arguments after the command (cli_fram.c, for cli.c). */
int hsxctl_parse_fram_arguments(const char *name, const char *const *positional,
                                struct hsxctl_cmdline *cmd, FILE *err);

/*
 * The bytes of fram write's or record set's words (cli_fram.c): each word's
 * hex (hsxctl_parse_hex()), or with --text the one word as it is. Stores at
 * most size in out (out may be NULL to count). Returns how many there are,
 * or -EINVAL.
 */
long hsxctl_fram_data(const struct hsxctl_cmdline *cmd, uint8_t *out, size_t size);

/*
 * A number in min..max, in decimal, optionally followed by k or K (x 1024), M
 * (x 1024^2) or G (x 1024^3): "4096", "64k", "10M". Returns 0, -EINVAL if text
 * is not one, or -ERANGE.
 */
int hsxctl_parse_size(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/*
 * Is path one that hsx.ko takes beneath an FS root (hsx_uapi.h: relative, its
 * components separated by one '/', none "." or "..", each 1..HSX_FS_NAME_MAX
 * bytes of UTF-8 without control characters, not hsx's temporary names, at
 * most HSX_FS_PATH_MAX bytes; "" is the root itself)? Returns 0, or with *why
 * saying what is wrong -ENAMETOOLONG, -EILSEQ (bytes that are not text:
 * control characters, not UTF-8) or -EINVAL (the rest).
 */
int hsxctl_fs_path_check(const char *path, const char **why);

/* The can commands' arguments after the command (cli_can.c, for cli.c). */
int hsxctl_parse_can_arguments(const char *name, const char *const *positional,
                               struct hsxctl_cmdline *cmd, FILE *err);

/* The words of CAN controller modes (HSX_CAN_MODE_*): "loopback,fd", "-" for none. */
const char *hsxctl_can_modes(char *buf, size_t size, uint32_t mode);

/* The command whose name (one or two words) is given, or NULL. */
const struct hsxctl_command_info *hsxctl_find_command(const char *name);

/*
 * Bytes given in hex: pairs of hex digits, which spaces, ':' or '-' may
 * separate ("48656c6c6f", "48 65:6c"). Stores at most size of them in out
 * (out may be NULL to count). Returns how many there are, or -EINVAL.
 */
long hsxctl_parse_hex(const char *text, uint8_t *out, size_t size);

/* The words of UART settings: "even", "rtscts"; "?" for a value without one. */
const char *hsxctl_parity_name(unsigned int parity);
const char *hsxctl_flow_name(unsigned int flow);

/* Is name a group of commands ("timer", "gpio")? */
bool hsxctl_is_group(const char *name);

#endif /* HSXCTL_CLI_H */
