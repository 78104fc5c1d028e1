/*
 * arp.c - ARP (RFC 826) for Ethernet/IPv4.
 *
 *   | hwtype:16 | ptype:16 | hwlen:8 | plen:8 | op:16 |
 *   | hwsrc:hwlen | psrc:plen | hwdst:hwlen | pdst:plen |
 */
#include <string.h>

#include "engine.h"
#include "tables.h"

enum {
	F_HWTYPE,
	F_PTYPE,
	F_HWLEN,
	F_PLEN,
	F_OP,
	F_HWSRC,
	F_PSRC,
	F_HWDST,
	F_PDST
};

static const struct pk_enum_entry hwtypes_e[] = {
    {1, "Ethernet (10Mb)"}, {2, "Ethernet (3Mb)"}, {6, "IEEE 802 Networks"},
    {7, "ARCNET"},          {15, "Frame Relay"},   {16, "ATM"},
    {24, "IEEE 1394.1995"}, {32, "InfiniBand"},
};
static const struct pk_enum hwtypes = PK_ENUM(hwtypes_e);

/*
 * With hwlen/plen other than 6/4, scapy reads the four addresses as byte
 * strings of those lengths (MultipleTypeField); fields here have one kind
 * each, so such a packet keeps its addresses as the bytes that follow
 * (Raw) instead of misreading them as a MAC and an IPv4 address, and
 * builds back to the same bytes (robustness.md E6).
 */
static int addr_present(struct pk_vm *vm, const struct pk_layer *l,
                        const struct pk_field *f)
{
	return (!pk_layer_isset(l, F_HWLEN) || l->f[F_HWLEN].u == 6) &&
	       (!pk_layer_isset(l, F_PLEN) || l->f[F_PLEN].u == 4);
}

static const struct pk_field arp_fields[] = {
    PK_F_ENUM("hwtype", 16, 1, PK_FMT_XENUM, &hwtypes),
    PK_F_ENUM("ptype", 16, 0x0800, PK_FMT_XENUM, &pk_ether_types),
    {.name = "hwlen",
     .kind = PK_FK_INT,
     .bits = 8,
     .flags = PK_FF_AUTO,
     .cls = "FieldLenField"},
    {.name = "plen",
     .kind = PK_FK_INT,
     .bits = 8,
     .flags = PK_FF_AUTO,
     .cls = "FieldLenField"},
    PK_F_ENUM("op", 16, 1, PK_FMT_ENUM, &pk_arp_ops),
    {.name = "hwsrc",
     .present = addr_present,
     .kind = PK_FK_MAC,
     .flags = PK_FF_AUTO,
     .cls = "MultipleTypeField (SourceMACField, StrFixedLenField)"},
    {.name = "psrc",
     .present = addr_present,
     .kind = PK_FK_IP4,
     .flags = PK_FF_AUTO,
     .cls =
         "MultipleTypeField (SourceIPField, SourceIP6Field, StrFixedLenField)"},
    {.name = "hwdst",
     .present = addr_present,
     .kind = PK_FK_MAC,
     .cls = "MultipleTypeField (MACField, StrFixedLenField)"},
    {.name = "pdst",
     .present = addr_present,
     .kind = PK_FK_IP4,
     .cls = "MultipleTypeField (IPField, IP6Field, StrFixedLenField)"},
    PK_F_END};

static int arp_pre_build(struct pk_build *b, const struct pk_layer *l,
                         union pk_fval *v, uint8_t *st)
{
	struct pk_registry *r = b->reg;

	if (!(st[F_HWLEN] & PK_FS_SET))
		v[F_HWLEN].u = 6;
	if (!(st[F_PLEN] & PK_FS_SET))
		v[F_PLEN].u = 4;
	if (!(st[F_HWSRC] & PK_FS_SET) && r->hooks.ether) {
		/* the interface's address, as for the frame carrying it */
		uint8_t src[6];
		int rc = r->hooks.ether(b->vm, r->hooks.ctx, l, src, NULL);

		if (rc < 0)
			return -1;
		if (rc == 0)
			memcpy(v[F_HWSRC].b, src, 6), st[F_HWSRC] |= PK_FS_SET;
	}
	if (!(st[F_PSRC] & PK_FS_SET)) {
		int rc = 1;

		if (r->hooks.src4) {
			rc = r->hooks.src4(b->vm, r->hooks.ctx, v[F_PDST].b,
			                   v[F_PSRC].b);
			if (rc < 0)
				return -1;
		}
		if (rc > 0)
			memset(v[F_PSRC].b, 0, 4);
		st[F_PSRC] |= PK_FS_SET;
	}
	return 0;
}

/* everything after the ARP body is link-layer padding */
static void arp_extract_padding(const struct pk_layer *l, struct pk_cursor *pay)
{
	pay->end = pay->p;
}

static int arp_summary(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *out)
{
	switch (l->f[F_OP].u) {
	case 1:
		return PK_SPRINTF(
		    vm, l, "ARP who has %ARP.pdst% says %ARP.psrc%", out);
	case 2:
		return PK_SPRINTF(vm, l,
		                  "ARP is at %ARP.hwsrc% says %ARP.psrc%", out);
	default:
		return PK_SPRINTF(vm, l, "ARP %ARP.op% %ARP.psrc% > %ARP.pdst%",
		                  out);
	}
}

static int arp_hashret(struct pk_vm *vm, const struct pk_layer *l,
                       struct pk_buf *key)
{
	pk_buf_add_be16(key, (uint16_t)l->f[F_PTYPE].u);
	return pk_buf_add_be16(key, (uint16_t)((l->f[F_OP].u + 1) / 2));
}

static int arp_answers(struct pk_vm *vm, const struct pk_layer *reply,
                       const struct pk_layer *probe, bool *out)
{
	*out = reply->f[F_OP].u == probe->f[F_OP].u + 1 &&
	       !memcmp(reply->f[F_PSRC].b, probe->f[F_PDST].b, 4);
	return 0;
}

const struct pk_proto pk_proto_arp = {
    .name = "ARP",
    .title = "ARP",
    .fields = arp_fields,
    .nfields = PK_NFIELDS(arp_fields),
    .pre_build = arp_pre_build,
    .extract_padding = arp_extract_padding,
    .summary = arp_summary,
    .hashret = arp_hashret,
    .answers = arp_answers,
};

const struct pk_proto *const pk_layers_arp[] = {&pk_proto_arp, NULL};
