class A:
	def f(self):
		self.ÿþx.y
