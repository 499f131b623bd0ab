"""The anonymous-tips connector: Meld Misdaad Anoniem's tips from a drop folder, reporters stripped."""
