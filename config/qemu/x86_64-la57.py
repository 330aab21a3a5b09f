# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the x86_64 build booted 5-level: '-cpu max'
# has LA57. With 4 GiB the direct map uses 1 GiB PUD leaves, and the 1 GiB
# vmalloc() case has the memory it needs. tools/ptwalk/ boots the selftests
# guest with the same parameters. erms=off: see x86_64.py.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-bios', 'qboot.rom',
					      '-cpu', 'max,erms=off', '-m', '4G'])
