/*
 * ether.c - Ethernet II (IEEE 802.3), 802.1Q and 802.1ad VLAN tags, Linux
 * cooked captures (SLL, SLL2) and the BSD loopback header.
 *
 *   0               6              12      14
 *   +---------------+---------------+-------+
 *   |   dst MAC     |   src MAC     | type  |
 *   +---------------+---------------+-------+
 *   802.1Q tag: | prio:3 | id:1 | vlan:12 | type:16 |
 */
#include <string.h>

#include "engine.h"
#include "tables.h"

static const uint8_t zero_mac[6];
static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const struct pk_field ether_fields[] = {
    {.name = "dst",
     .kind = PK_FK_MAC,
     .flags = PK_FF_AUTO,
     .cls = "DestMACField"},
    {.name = "src",
     .kind = PK_FK_MAC,
     .flags = PK_FF_AUTO,
     .cls = "SourceMACField"},
    PK_F_ENUM("type", 16, 0x9000, PK_FMT_XENUM, &pk_ether_types),
    PK_F_END};

static int ether_pre_build(struct pk_build *b, const struct pk_layer *l,
                           union pk_fval *v, uint8_t *st)
{
	struct pk_registry *r = b->reg;
	uint8_t src[6], dst[6];
	int rc = 1;

	if ((st[0] & PK_FS_SET) && (st[1] & PK_FS_SET))
		return 0;
	memcpy(src, zero_mac, 6);
	memcpy(dst, bcast_mac, 6);
	if (r->hooks.ether) {
		rc = r->hooks.ether(b->vm, r->hooks.ctx, l->payload, src,
		                    (st[0] & PK_FS_SET) ? NULL : dst);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			memcpy(src, zero_mac, 6);
			memcpy(dst, bcast_mac, 6);
		}
	}
	if (!(st[0] & PK_FS_SET))
		memcpy(v[0].b, dst, 6), st[0] |= PK_FS_SET;
	if (!(st[1] & PK_FS_SET))
		memcpy(v[1].b, src, 6), st[1] |= PK_FS_SET;
	return 0;
}

static int ether_summary(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	return PK_SPRINTF(vm, l, "%Ether.src% > %Ether.dst% (%Ether.type%)",
	                  out);
}

static int ether_answers(struct pk_vm *vm, const struct pk_layer *reply,
                         const struct pk_layer *probe, bool *out)
{
	if (pk_layer_u(vm, reply, 2) != pk_layer_u(vm, probe, 2)) {
		*out = false;
		return 0;
	}
	return pk_layer_answers(vm, reply->payload, probe->payload, out);
}

static int ether_hashret(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *key)
{
	return pk_buf_add_be16(key, (uint16_t)pk_layer_u(vm, l, 2));
}

static const struct pk_binding ether_binds[] = {
    {&pk_proto_ether, &pk_proto_dot1q, 0, {{"type", 0x8100}}},
    {&pk_proto_ether, &pk_proto_dot1ad, 0, {{"type", 0x88a8}}},
    {&pk_proto_ether, &pk_proto_arp, 0, {{"type", 0x0806}}},
    {&pk_proto_ether, &pk_proto_ip, 0, {{"type", 0x0800}}},
    {.lower = NULL},
};

const struct pk_proto pk_proto_ether = {
    .name = "Ether",
    .title = "Ethernet",
    .fields = ether_fields,
    .nfields = PK_NFIELDS(ether_fields),
    .binds = ether_binds,
    .pre_build = ether_pre_build,
    .summary = ether_summary,
    .answers = ether_answers,
    .hashret = ether_hashret,
};

static const struct pk_field dot1q_fields[] = {
    PK_F_INT("prio", 3, 0, PK_FMT_DEC), PK_F_INT("id", 1, 0, PK_FMT_DEC),
    PK_F_INT("vlan", 12, 1, PK_FMT_DEC),
    PK_F_ENUM("type", 16, 0, PK_FMT_XENUM, &pk_ether_types), PK_F_END};

static int dot1q_answers(struct pk_vm *vm, const struct pk_layer *reply,
                         const struct pk_layer *probe, bool *out)
{
	/* same VLAN and same type (scapy's Dot1Q.answers) */
	if (reply->f[2].u != probe->f[2].u ||
	    pk_layer_u(vm, reply, 3) != pk_layer_u(vm, probe, 3)) {
		*out = false;
		return 0;
	}
	return pk_layer_answers(vm, reply->payload, probe->payload, out);
}

static int dot1q_summary(struct pk_vm *vm, const struct pk_layer *l,
                         struct pk_buf *out)
{
	if (l->under && l->under->proto == &pk_proto_ether)
		return PK_SPRINTF(
		    vm, l->under,
		    "802.1q %Ether.src% > %Ether.dst% (%Dot1Q.type%) vlan %Dot1Q.vlan%",
		    out);
	return PK_SPRINTF(vm, l, "802.1q (%Dot1Q.type%) vlan %Dot1Q.vlan%",
	                  out);
}

static const struct pk_binding dot1q_binds[] = {
    {&pk_proto_dot1q, &pk_proto_ip, 0, {{"type", 0x0800}}},
    {&pk_proto_dot1q, &pk_proto_arp, 0, {{"type", 0x0806}}},
    {&pk_proto_dot1q, &pk_proto_dot1q, 0, {{"type", 0x8100}}},
    {&pk_proto_dot1ad, &pk_proto_dot1q, 0, {{"type", 0x8100}}},
    {&pk_proto_dot1ad, &pk_proto_dot1ad, 0, {{"type", 0x88a8}}},
    {&pk_proto_dot1ad, &pk_proto_ip, 0, {{"type", 0x0800}}},
    {.lower = NULL},
};

const struct pk_proto pk_proto_dot1q = {
    .name = "Dot1Q",
    .title = "802.1Q",
    .fields = dot1q_fields,
    .nfields = PK_NFIELDS(dot1q_fields),
    .binds = dot1q_binds,
    .answers = dot1q_answers,
    .summary = dot1q_summary,
};

const struct pk_proto pk_proto_dot1ad = {
    .name = "Dot1AD",
    .title = "802_1AD",
    .fields = dot1q_fields,
    .nfields = PK_NFIELDS(dot1q_fields),
    .answers = dot1q_answers,
};

/* Linux cooked capture v1 (DLT_LINUX_SLL) and v2 (DLT_LINUX_SLL2). */
static const struct pk_enum_entry sll_types_e[] = {
    {0, "unicast"},    {1, "broadcast"},
    {2, "multicast"},  {3, "unicast-to-another-host"},
    {4, "sent-by-us"},
};
static const struct pk_enum sll_types = PK_ENUM(sll_types_e);

static const struct pk_field cooked_fields[] = {
    PK_F_ENUM("pkttype", 16, 0, PK_FMT_ENUM, &sll_types),
    PK_F_INT("lladdrtype", 16, 512, PK_FMT_HEX),
    PK_F_INT("lladdrlen", 16, 0, PK_FMT_DEC),
    {.name = "src", .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES, .bits = 64},
    PK_F_ENUM("proto", 16, 0x0800, PK_FMT_XENUM, &pk_ether_types),
    PK_F_END};

static const struct pk_binding cooked_binds[] = {
    {&pk_proto_cooked, &pk_proto_ip, 0, {{"proto", 0x0800}}},
    {&pk_proto_cooked, &pk_proto_arp, 0, {{"proto", 0x0806}}},
    {&pk_proto_cooked, &pk_proto_dot1q, 0, {{"proto", 0x8100}}},
    {&pk_proto_cooked2, &pk_proto_ip, 0, {{"proto", 0x0800}}},
    {&pk_proto_cooked2, &pk_proto_arp, 0, {{"proto", 0x0806}}},
    {&pk_proto_cooked2, &pk_proto_dot1q, 0, {{"proto", 0x8100}}},
    {.lower = NULL},
};

const struct pk_proto pk_proto_cooked = {
    .name = "CookedLinux",
    .title = "cooked linux",
    .fields = cooked_fields,
    .nfields = PK_NFIELDS(cooked_fields),
    .binds = cooked_binds,
};

static const struct pk_field cooked2_fields[] = {
    PK_F_ENUM("proto", 16, 0x0800, PK_FMT_XENUM, &pk_ether_types),
    PK_F_INT("reserved", 16, 0, PK_FMT_DEC),
    PK_F_INT("ifindex", 32, 0, PK_FMT_DEC),
    PK_F_INT("lladdrtype", 16, 512, PK_FMT_HEX),
    PK_F_ENUM("pkttype", 8, 0, PK_FMT_ENUM, &sll_types),
    PK_F_INT("lladdrlen", 8, 0, PK_FMT_DEC),
    {.name = "src", .kind = PK_FK_BYTES, .fmt = PK_FMT_BYTES, .bits = 64},
    PK_F_END};

const struct pk_proto pk_proto_cooked2 = {
    .name = "CookedLinuxV2",
    .title = "cooked linux v2",
    .fields = cooked2_fields,
    .nfields = PK_NFIELDS(cooked2_fields),
};

/* BSD loopback (DLT_NULL): the address family in host order. */
static const struct pk_enum_entry lo_types_e[] = {
    {2, "IPv4"},  {7, "OSI"},   {16, "Appletalk"}, {23, "Netware IPX/SPX"},
    {24, "IPv6"}, {28, "IPv6"}, {30, "IPv6"},
};
static const struct pk_enum lo_types = PK_ENUM(lo_types_e);

static const struct pk_field loop_fields[] = {{.name = "type",
                                               .kind = PK_FK_INT,
                                               .fmt = PK_FMT_ENUM,
                                               .bits = 32,
                                               .flags = PK_FF_LE,
                                               .def = 2,
                                               .enm = &lo_types},
                                              PK_F_END};

static const struct pk_binding loop_binds[] = {
    {&pk_proto_loopback, &pk_proto_ip, 0, {{"type", 2}}},
    {.lower = NULL},
};

const struct pk_proto pk_proto_loopback = {
    .name = "Loopback",
    .title = "Loopback",
    .fields = loop_fields,
    .nfields = PK_NFIELDS(loop_fields),
    .binds = loop_binds,
};

const struct pk_proto *const pk_layers_ether[] = {
    &pk_proto_ether,
    &pk_proto_dot1q,
    &pk_proto_dot1ad,
    &pk_proto_cooked,
    &pk_proto_cooked2,
    &pk_proto_loopback,
    NULL,
};
