"""A small stock ledger: items arrive and leave in batches, and the report lists what runs low."""

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    name: str
    quantity: int = 0
    reorder_level: int = 5
    history: list = field(default_factory=list)

    def receive(self, amount):
        if amount <= 0:
            raise ValueError(f"cannot receive {amount} of {self.sku}")
        self.quantity += amount
        self.history.append(("in", amount))

    def ship(self, amount):
        if amount > self.quantity:
            raise ValueError(f"only {self.quantity} of {self.sku} in stock")
        self.quantity -= amount
        self.history.append(("out", amount))

    @property
    def low(self):
        return self.quantity <= self.reorder_level


class Ledger:
    def __init__(self):
        self.items = {}

    def add(self, sku, name, reorder_level=5):
        item = Item(sku, name, reorder_level=reorder_level)
        self.items[sku] = item
        return item

    def low_stock(self):
        return sorted((i for i in self.items.values() if i.low), key=lambda i: i.quantity)

    def report(self):
        lines = []
        for item in self.low_stock():
            lines.append(f"{item.sku:<8} {item.name:<20} {item.quantity:>5}")
        return "\n".join(lines)


if __name__ == "__main__":
    ledger = Ledger()
    ledger.add("A-100", "hex bolts").receive(40)
    ledger.add("B-220", "washers", reorder_level=50).receive(30)
    print(ledger.report())
