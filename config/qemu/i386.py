# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the i386 builds on every kernel version: the
# trees' own i386 settings, with a CPU named. QEMU's 'qemu32' has PSE
# (4 MiB pages without PAE) and PAE.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='i386',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='i386',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-cpu', 'qemu32'])
