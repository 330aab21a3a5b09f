# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the arm64 builds on every kernel version:
# 6.12's own arm64 settings. 6.1's kunit.py boots '-cpu cortex-a57', which
# has neither LPA2 nor 16 KiB granules; '-cpu max' has both, so the VA size
# in use is the one each build asks for.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL010=y
CONFIG_SERIAL_AMBA_PL010_CONSOLE=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line='console=ttyAMA0',
			   extra_qemu_params=['-machine', 'virt',
					      '-cpu', 'max,pauth-impdef=on'])
