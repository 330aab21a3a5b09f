# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for ptwalk's documentation. The kernel-doc comments
# of the walker are pulled in with the kernel's own Sphinx extension and
# scripts/kernel-doc, from the tree given in PTWALK_KTREE (make docs sets it).

import os
import sys

ktree = os.environ.get('PTWALK_KTREE')
if not ktree or not os.path.isfile(os.path.join(ktree, 'scripts', 'kernel-doc')):
    sys.exit('PTWALK_KTREE must name a kernel tree (run: make docs)')
sys.path.insert(0, os.path.join(ktree, 'Documentation', 'sphinx'))

project = 'ptwalk'
copyright = 'The ptwalk authors'
extensions = ['kerneldoc']
kerneldoc_bin = os.path.join(ktree, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
primary_domain = 'c'
highlight_language = 'none'
exclude_patterns = ['output']
html_theme = 'alabaster'
