print("srd")
