# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the riscv64 build on every kernel version. The
# trees' own riscv settings differ (6.1 selects the virt machine's drivers
# with SOC_VIRT, 6.12 with ARCH_VIRT); this one names the drivers both have.
# QEMU's 'rv64' CPU offers Sv57, so a kernel boots 5-level unless told
# 'no5lvl' (Sv48) or 'no4lvl' (Sv39) on its command line (6.12 only).
# With 2 GiB the direct map has a 1 GiB leaf (the GiB above the kernel's)
# and the 1 GiB vmalloc() case has its memory. OpenSBI is Debian's, from
# qemu-system-data.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='riscv',
			   kconfig='''
CONFIG_SIFIVE_PLIC=y
CONFIG_POWER_RESET=y
CONFIG_POWER_RESET_SYSCON=y
CONFIG_POWER_RESET_SYSCON_POWEROFF=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_RISCV_SBI_V01=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y''',
			   qemu_arch='riscv64',
			   kernel_path='arch/riscv/boot/Image',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'rv64', '-m', '2G',
					      '-bios', '/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin'])
