/*
 * pktsh.c - the whole shell as one VM: the language plus every module.
 *
 * The explicit list below is the registry of modules (tcpdump's
 * printers[] habit): adding a module is one line here.
 */
#include "pktsh/packet.h"
#include "pktsh/plist.h"
#include "pktsh/net.h"
#include "pktsh/vm.h"

struct pk_vm *pktsh_open(void)
{
	static int (*const modules[])(struct pk_vm *) = {
	    pk_packet_register,
	    pk_volatile_register,
	    pk_plist_register,
	    pk_net_register,
	};
	struct pk_vm *vm = pk_vm_new();
	size_t i;

	if (!vm)
		return NULL;
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		if (modules[i](vm) < 0) {
			pk_vm_free(vm);
			return NULL;
		}
	}
	return vm;
}
