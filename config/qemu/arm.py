# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the 32-bit arm builds on every kernel version:
# the trees' own arm settings with a CPU named. The Cortex-A15 has LPAE, so
# one CPU boots both the classic-MMU and the LPAE kernel.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='arm',
			   kconfig='''
CONFIG_ARCH_VIRT=y
CONFIG_SERIAL_AMBA_PL010=y
CONFIG_SERIAL_AMBA_PL010_CONSOLE=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y''',
			   qemu_arch='arm',
			   kernel_path='arch/arm/boot/zImage',
			   kernel_command_line='console=ttyAMA0',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'cortex-a15'])
