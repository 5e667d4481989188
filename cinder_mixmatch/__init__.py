# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Cinder-side plugins of Mix and Match federation.

A foreign Cinder calls Nova back for volumes in use: ``volume-extended``
events, swaps on migration, the attachment delete protection, assisted
snapshots, re-image. ``cinder_mixmatch.compute.API`` sends each call about
a server of another cloud to that cloud's Nova, and the rest to the local
one; ``cinder_mixmatch.extension`` shows the foreign cloud's admin which
attachments belong to which cloud.
"""
