/* SPDX-License-Identifier: MIT */
/*
 * HAL modules in user space: one descriptor per module, one table of them.
 *
 * The kernel's struct hsx_module (kmod/core/core.h) says what a module is to
 * hsx.ko; struct hsx_umodule says what it is to everything in user space:
 * its node, its mailboxes, how its events are decoded from either transport,
 * and how its capabilities read, as words and as sets. The library, hsxd and
 * hsxctl all loop over hsx_umodules[] and name no module, so adding one is a
 * directory lib/src/<name>/ with its descriptor and one line in module.c.
 *
 * Everything here is constant data and pure functions: safe from any thread,
 * after fork(), and in a program that only links these sources (see
 * LIB_MODULE_SRCS in the Makefile and lib/src/README.md).
 */
#ifndef HSX_UMODULE_H
#define HSX_UMODULE_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_mailbox.h"
#include "hsx_uapi.h"

struct hsx_umodule;

/* ---- selectors -------------------------------------------------------------------------- */

/*
 * The operations on one kind of selector (union hsx_cap_selector), shared by
 * every module whose selector is of that kind. Each receives the module's
 * struct hsx_umod_sel for its words and bounds. "why" buffers take at least
 * 96 bytes.
 */
struct hsx_umod_sel;
struct hsx_umod_sel_ops {
    /* Text to selector ("17,20-23", "4"). 0, or -EINVAL with why filled. */
    int (*parse)(const struct hsx_umod_sel *s, const char *text, union hsx_cap_selector *sel,
                 char *why, size_t why_size);
    /*
     * One value of key number key of a policy's grant (struct
     * hsx_umod_sel_key), added to sel: a set's objects united with it, a
     * quota's count set, a CAN bus set united, a range set. 0, or -EINVAL
     * with why filled (a range given twice, say).
     */
    int (*parse_key)(const struct hsx_umod_sel *s, unsigned int key, const char *text,
                     union hsx_cap_selector *sel, char *why, size_t why_size);
    /* Selector to the text parse() reads; "none" for an empty set. Returns buf. */
    char *(*format)(const struct hsx_umod_sel *s, char *buf, size_t size,
                    const union hsx_cap_selector *sel);
    /*
     * What the kernel's validate accepts (no bit outside the module's
     * member, in range); with request, all-zero too ("all the policy
     * allows"). 0, or -EINVAL with why filled.
     */
    int (*check)(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel, bool request,
                 char *why, size_t why_size);
    /* Whether narrow asks for no more than wide (DERIVE's rule, a renewal's). */
    bool (*subset)(const struct hsx_umod_sel *s, const union hsx_cap_selector *narrow,
                   const union hsx_cap_selector *wide);
    /*
     * Whether sel covers object (a pin; for a quota, a count of objects; for
     * CAN, a bus or a frame's direction and ID: HSX_UMOD_CAN_OBJ_*).
     */
    bool (*covers)(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel,
                   uint64_t object);
    /* out = a ∩ b (a set: common objects; a quota: the smaller count). */
    void (*intersect)(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                      const union hsx_cap_selector *b, union hsx_cap_selector *out);
    /*
     * out = a ∪ b (a set: either's objects; a quota: the larger count), or,
     * where a ∪ b is no selector of the kind (CAN: two ranges with a gap
     * between), a selector within a ∪ b: never more than either gives.
     */
    void (*unite)(const struct hsx_umod_sel *s, const union hsx_cap_selector *a,
                  const union hsx_cap_selector *b, union hsx_cap_selector *out);
    /* The widest selector the module allows (every pin, the largest quota). */
    void (*all)(const struct hsx_umod_sel *s, union hsx_cap_selector *out);
    /* Whether it covers nothing. */
    bool (*empty)(const struct hsx_umod_sel *s, const union hsx_cap_selector *sel);
};

/* The kinds there are: how decisions treat a selector (hsxd's decide.c). */
enum hsx_umod_sel_kind {
    HSX_UMOD_SEL_SET,   /* objects 0..limit-1, bit n of raw[0] is object n (GPIO pins) */
    HSX_UMOD_SEL_QUOTA, /* a count 1..limit in the low 32 bits of raw[0] (timers) */
    HSX_UMOD_SEL_CAN,   /* the uAPI's can member: buses, an ID range each way (module_sel_can.h) */
    HSX_UMOD_SEL_FRAM,  /* the uAPI's fram member: devices, address ranges (module_sel_fram.h) */
    HSX_UMOD_SEL_FS,    /* the uAPI's fs member: a set of roots (module_sel_fs.h) */
};

/*
 * One key of a module's grant in hsxd's policy, besides rights: its value is
 * given to ops->parse_key with the key's index.
 */
struct hsx_umod_sel_key {
    const char *name;    /* "pins", "bus", "tx_ids" */
    const char *example; /* a value, for messages: "17,20-23" */
    bool required;       /* a grant must give it */
    bool list;           /* an array or list of values is allowed, each added in turn */
    bool text_only;      /* a string only: a number would lose how it was written (hex IDs) */
};

struct hsx_umod_sel {
    enum hsx_umod_sel_kind kind;
    const struct hsx_umod_sel_ops *ops;
    const char *word; /* its word in text ("pins 17"), and its key in a policy without keys */
    const char *noun; /* one object, in messages: "pin", "timer" */
    uint32_t limit;   /* SET: objects (at most 64); QUOTA: the largest count; CAN: buses */
    /*
     * Its keys in a policy's grant, NULL-named end; NULL for the one key word,
     * whose value is what parse() reads (a set's may be a list).
     */
    const struct hsx_umod_sel_key *keys;
};

extern const struct hsx_umod_sel_ops hsx_umod_sel_set_ops;
extern const struct hsx_umod_sel_ops hsx_umod_sel_quota_ops;
extern const struct hsx_umod_sel_ops hsx_umod_sel_can_ops;
extern const struct hsx_umod_sel_ops hsx_umod_sel_fram_ops;
extern const struct hsx_umod_sel_ops hsx_umod_sel_fs_ops;

/*
 * The numbered objects of a kind that has them besides its own (CAN's buses,
 * FRAM's devices), read and written as a set of pins is ("0-1,3"), with s's
 * words and bound: 0 with *mask, or -EINVAL with why filled; the text.
 */
int hsx_umod_sel_parse_indices(const struct hsx_umod_sel *s, const char *text, uint64_t *mask,
                               char *why, size_t why_size);
char *hsx_umod_sel_format_indices(const struct hsx_umod_sel *s, char *buf, size_t size,
                                  uint64_t mask);

/*
 * The keys of s in a policy: its own, or the default one for its word.
 * Returns how many there are (at most HSX_UMOD_SEL_KEYS_MAX) in *keys.
 */
#define HSX_UMOD_SEL_KEYS_MAX 4
size_t hsx_umod_sel_keys(const struct hsx_umod_sel *s, struct hsx_umod_sel_key *keys);

/* ---- rights ------------------------------------------------------------------------------ */

struct hsx_umod_right {
    const char *name; /* "irq" */
    uint32_t bit;     /* HSX_CAP_R_* */
};

/* The rights every module has, in bit order: read, write, grant. */
extern const struct hsx_umod_right hsx_umod_common_rights[3];

/* ---- the descriptor ----------------------------------------------------------------------- */

#define HSX_UMOD_NODE 0x1U      /* served by /dev/hsx/<name> */
#define HSX_UMOD_INSTANCES 0x2U /* and/or by instances /dev/hsx/<name><n> */
#define HSX_UMOD_CAPS 0x4U      /* capabilities are minted for it (it has a selector) */

/*
 * A mailbox name: "hal:" fixed text with one %llu, the object ("hal:gpio:%llu"),
 * or a fixed name without one (CAN's "hal:can:rx", the spec's name for bus 0's).
 */
#define HSX_UMOD_MAILBOXES_MAX 4

struct hsx_umodule {
    uint32_t id;      /* HSX_MODULE_*; also hsx_mailbox_module_t and hsx_cap_module_t */
    const char *name; /* "gpio": /dev/hsx/<name>, /sys/hal/<name>, policies, messages */
    uint32_t flags;   /* HSX_UMOD_* */

    /* Its mailboxes' name formats (see above); NULL after the last. */
    const char *mailboxes[HSX_UMOD_MAILBOXES_MAX];

    /* Events. A module that posts none leaves these 0 / NULL. */
    uint16_t nl_nest; /* HSX_A_EVT_*: the nest of its events over netlink */
    /*
     * Records a queue-file subscription to one of its mailboxes asks for, 0
     * for the kernel's default: a byte stream needs more room than edges.
     */
    uint16_t queue_len;
    uint16_t record_size; /* bytes of its queue-file record after struct hsx_mbox_record */
    /*
     * Each fills event->u and event->module from the module record (exactly
     * record_size bytes) or the netlink nest (already checked to be a nest),
     * with the same checks: 0, -EBADMSG (a required attribute missing, a
     * wrong length) or -EPROTO (a value the event cannot represent).
     */
    int (*decode_record)(const void *record, hsx_mailbox_event_t *event);
    int (*decode_nest)(const struct nlattr *nest, hsx_mailbox_event_t *event);
    /*
     * The module part of an event as text, after "<mailbox> seq=... <time>":
     * " pin=5 rising value=1 ..."; with json, the members after "module":
     * ",\"gpio\":{...}". Returns buf.
     */
    char *(*format_event)(char *buf, size_t size, const hsx_mailbox_event_t *event, bool json);

    /* Capabilities (HSX_UMOD_CAPS). */
    uint32_t rights;                  /* every right a capability may carry (HSX_CAP_R_*) */
    const struct hsx_umod_right *own; /* its own rights' names (bits 16..31); NULL-named end */
    struct hsx_umod_sel sel;          /* its selector */
};

/* Every module this library knows, in ID order; HSX_MODULE_CORE (capability events) last. */
extern const struct hsx_umodule *const hsx_umodules[];
extern const size_t hsx_umodule_count;

/* Lookups: NULL when no module has that ID or name. */
const struct hsx_umodule *hsx_umod_by_id(uint32_t id);
const struct hsx_umodule *hsx_umod_by_name(const char *name);
/* Its index in hsx_umodules[] (for tables indexed like it). */
size_t hsx_umod_index(const struct hsx_umodule *m);
/* The module one of whose mailboxes is called name ("hal:uart:0:rx"), or NULL. */
const struct hsx_umodule *hsx_umod_by_mailbox(const char *name);
/* The module whose events are in nest type attr (HSX_A_EVT_*), or NULL. */
const struct hsx_umodule *hsx_umod_by_nest(uint16_t attr);

/*
 * The words for why a capability ended (HSX_CAP_END_*: "revoked", "expired",
 * "holder exited", "parent revoked"), or NULL for a reason not known here (a
 * newer kernel's, or 0). The core's descriptor's (cap_module.c).
 */
const char *hsx_cap_end_reason(uint32_t reason);

/* Names of modules the uAPI numbers but this library does not serve yet. */
bool hsx_umod_is_future(const char *name);

/*
 * Its node relative to /dev, as the uAPI's HSX_DEV_*: "hsx/gpio" for
 * instance < 0, "hsx/uart0" for instance 0. Returns buf, or NULL if the
 * module has no such node or size is too small.
 */
char *hsx_umod_node_path(const struct hsx_umodule *m, int instance, char *buf, size_t size);

/*
 * Mailbox index of m for object: "hal:gpio:5" (a fixed name is itself, for
 * any object). Returns buf, or NULL as above.
 */
char *hsx_umod_mailbox_name(const struct hsx_umodule *m, unsigned int index, uint64_t object,
                            char *buf, size_t size);

/* ---- rights, as words ------------------------------------------------------------------- */

/* The right called name for m (NULL: any module's); 0 with *why set if none. */
uint32_t hsx_umod_right_by_name(const struct hsx_umodule *m, const char *name, const char **why);
/*
 * "read,write,irq": m's names (m NULL: the common ones only; bits without a
 * name as 0x..), "none" for 0. Returns buf.
 */
char *hsx_umod_format_rights(const struct hsx_umodule *m, char *buf, size_t size, uint32_t rights);
/* Comma-separated names for m (NULL: any), each a right m has. 0, or -EINVAL with why filled. */
int hsx_umod_parse_rights(const struct hsx_umodule *m, const char *text, uint32_t *rights,
                          char *why, size_t why_size);

/* ---- selectors, through the module's ops -------------------------------------------------- */

int hsx_umod_sel_parse(const struct hsx_umodule *m, const char *text, union hsx_cap_selector *sel,
                       char *why, size_t why_size);
/* "pins 17,20-23", "max_timers 4"; a module without capabilities: "selector ?". */
char *hsx_umod_sel_format(const struct hsx_umodule *m, char *buf, size_t size,
                          const union hsx_cap_selector *sel);
int hsx_umod_sel_check(const struct hsx_umodule *m, const union hsx_cap_selector *sel, bool request,
                       char *why, size_t why_size);
bool hsx_umod_sel_subset(const struct hsx_umodule *m, const union hsx_cap_selector *narrow,
                         const union hsx_cap_selector *wide);
bool hsx_umod_sel_covers(const struct hsx_umodule *m, const union hsx_cap_selector *sel,
                         uint64_t object);

/*
 * A request's rights and selector, as the library checks hsx_cap_request()
 * and hsxd an ACQUIRE: rights of the module only, a selector its kind
 * accepts (all-zero: all the policy allows).
 */
bool hsx_umod_request_valid(const struct hsx_umodule *m, uint32_t rights,
                            const union hsx_cap_selector *sel);

/* Room for any text the formatters produce: 64 pins as "0,2,4,..." is the longest. */
#define HSX_UMOD_TEXT_MAX 200

#endif /* HSX_UMODULE_H */
