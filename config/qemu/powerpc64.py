# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the little-endian powerpc64 build on QEMU's
# pseries machine: kunit.py's own powerpc settings with the hypervisor
# console, on a POWER9, which has both MMUs: the kernel uses radix unless
# booted with disable_radix (config/matrix.toml).

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='powerpc',
			   kconfig='''
CONFIG_PPC64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_HVC_CONSOLE=y''',
			   qemu_arch='ppc64',
			   kernel_path='vmlinux',
			   kernel_command_line='console=hvc0',
			   extra_qemu_params=['-M', 'pseries', '-cpu', 'power9', '-m', '2G'])
