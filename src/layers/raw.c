/*
 * raw.c - Raw (bytes no layer claimed) and Padding (bytes past a length
 * field: built after every checksum, as scapy's build_padding).
 */
#include "engine.h"

static const struct pk_field raw_fields[] = {PK_F_BYTES("load", "", 0),
                                             PK_F_END};

const struct pk_proto pk_proto_raw = {
    .name = "Raw",
    .title = "Raw",
    .fields = raw_fields,
    .nfields = PK_NFIELDS(raw_fields),
    .flags = PK_PF_RAW,
};

const struct pk_proto pk_proto_padding = {
    .name = "Padding",
    .title = "Padding",
    .fields = raw_fields,
    .nfields = PK_NFIELDS(raw_fields),
    .flags = PK_PF_RAW | PK_PF_PADDING,
};

const struct pk_proto *const pk_layers_raw[] = {
    &pk_proto_raw,
    &pk_proto_padding,
    NULL,
};
