import logging
import os
import numpy as np
from collections import OrderedDict

log = logging.getLogger(__name__)


class Inventory:
    def __init__(self, root):
        self.root = root
        self.items = OrderedDict()

    def scan(self):
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            if os.path.isfile(path):
                self.items[name] = os.path.getsize(path)
        log.info("scanned %d files", len(self.items))

    def sizes(self):
        return np.array(list(self.items.values()))


def report(inv: Inventory) -> str:
    text = ", ".join(inv.items.keys())
    return text.upper()
